/**
 * `npm run bench:ingest` — the Health Auto Export write path (`ingestStream`, what
 * POST /api/webhooks/ingest runs after the key check) next to the fair baseline: PostgreSQL `COPY`
 * of the same rows into a table with the same columns, indexes and constraints as `measurement`,
 * plus the classic foreign key to `user` (checked per row). `measurement` itself keeps that
 * reference with statement-level triggers instead (drizzle/0008_measurement_user_triggers.sql); the
 * last line, COPY into `measurement` as declared, shows what COPY costs with those (issue 17).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:ingest
 *
 * Everything runs in this process against a throwaway database on DATABASE_URL's server (dropped at
 * the end unless BENCH_KEEP=1), so CPU can be measured per process: Node from process.cpuUsage(),
 * the PostgreSQL backends (found through pg_stat_activity) from /proc/<pid>/stat — both barely move
 * with the load of a shared machine, unlike wall time. Compare ratios within one run.
 *
 * A one-week ingest runs first (not measured), so memory growth is what the body costs, not the
 * first use of the code and the connection pool.
 *
 * Environment: BENCH_DAYS days of data (default 365: 525 600 minute heart-rate points + 2 920 daily
 * points, a 44 MB body); BENCH_KEEP=1 keeps the database.
 */
import fs from "node:fs";
import postgres from "postgres";
import { users } from "@/lib/db/schema";
import { ingestStream } from "@/lib/ingest/ingest";
import { throwawayDatabase } from "./bench-user";
import { benchPoints, haePayload, pointCount } from "./ingest-payload";

const days = Number(process.env.BENCH_DAYS ?? 365);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const TICK_S = 1 / 100; // CLK_TCK on Linux

type Figures = {
  label: string;
  rows: number;
  wallS: number;
  nodeS: number;
  pgS: number;
  /** PostgreSQL CPU by backend type (client backend, autovacuum worker, …). */
  pgByType: Map<string, number>;
  growth?: number;
};
type Backend = { pid: number; type: string };

/** utime + stime of `pid` in seconds, 0 when it is gone. */
function cpuOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_S; // fields 14 and 15 of stat(5)
  } catch {
    return 0;
  }
}

const rssOf = () => process.memoryUsage().rss;

async function measure(
  label: string,
  rows: number,
  backends: () => Promise<Backend[]>,
  run: () => Promise<void>,
  withMemory = false,
): Promise<Figures> {
  global.gc?.();
  const before = await backends();
  const pgBefore = new Map(before.map((b) => [b.pid, cpuOf(b.pid)]));
  const rss0 = rssOf();
  let peak = rss0;
  const timer = setInterval(() => (peak = Math.max(peak, rssOf())), 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  peak = Math.max(peak, rssOf());
  let pgS = 0;
  const pgByType = new Map<string, number>();
  // Backends that existed before and those opened during the run (a new connection counts whole).
  const all = new Map([...before, ...(await backends())].map((b) => [b.pid, b.type]));
  for (const [pid, type] of all) {
    const s = cpuOf(pid) - (pgBefore.get(pid) ?? 0);
    pgS += s;
    pgByType.set(type, (pgByType.get(type) ?? 0) + s);
  }
  return { label, rows, wallS, nodeS: (cpu.user + cpu.system) / 1e6, pgS, pgByType, ...(withMemory ? { growth: peak - rss0 } : {}) };
}

async function main() {
  if (!fs.existsSync("/proc/self/stat")) throw new Error("bench:ingest reads /proc (Linux only).");
  const t = await throwawayDatabase("bench_ingest");
  const db = t.db;
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${t.name}`;
  const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
  // A connection of its own to find the backends, so that it never counts itself (nor misses COPY's).
  const monitor = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const backends = async () =>
    (
      await monitor<{ pid: number; type: string }[]>`
        SELECT pid, backend_type AS type FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`
    ).map((r) => ({ pid: r.pid, type: r.type }));
  try {
    let bodyBytes = 0;
    for await (const chunk of haePayload(days)) bodyBytes += chunk.byteLength;
    const points = pointCount(days);
    console.log(`body: ${points} points (${days} days of minute heart rate + 8 daily metrics), ${mb(bodyBytes)} of JSON`);

    const newUser = async (label: string) =>
      (await db.insert(users).values({ email: `${label}@example.invalid` }).returning({ id: users.id }))[0].id;

    // The baseline table: measurement's columns, defaults, indexes and unique constraint, plus a
    // foreign key to user (LIKE copies neither foreign keys nor triggers).
    await client.unsafe(`CREATE TABLE copy_baseline (LIKE measurement INCLUDING ALL)`);
    await client.unsafe(`ALTER TABLE copy_baseline ADD FOREIGN KEY (user_id) REFERENCES "user"(id) ON DELETE CASCADE`);
    const copyUser = await newUser("copy");
    const copy = (table: string, userId: string) => async () => {
      const writable = await client
        .unsafe(`COPY ${table} (user_id, provider, type, measured_at, local_date, utc_offset_minutes, value, unit, source, raw) FROM STDIN`)
        .writable();
      let buf = "";
      for (const p of benchPoints(days)) {
        const local = new Date(p.at.getTime() + 3_600_000).toISOString().slice(0, 10);
        const raw = p.metric === "heart_rate" ? "\\N" : '{"sources": ["Apple Watch", "iPhone"]}';
        buf += `${userId}\tapple_health\t${p.type}\t${p.at.toISOString()}\t${local}\t60\t${p.value}\t${p.unit}\tApple Watch\t${raw}\n`;
        if (buf.length > 1 << 16) {
          if (!writable.write(buf)) await new Promise((r) => writable.once("drain", r));
          buf = "";
        }
      }
      await new Promise<void>((resolve, reject) => {
        writable.on("finish", resolve);
        writable.on("error", reject);
        writable.end(buf);
      });
    };

    const ours = async (userId: string, expect: "inserted" | "unchanged") => {
      const result = await ingestStream(db, userId, haePayload(days), { maxBodyBytes: Number.MAX_SAFE_INTEGER });
      const n = result.counts.measurement[expect];
      if (n !== points) throw new Error(`expected ${points} measurements ${expect}, got ${JSON.stringify(result.counts.measurement)}`);
    };
    const user = await newUser("ours");
    await ingestStream(db, await newUser("warm-up"), haePayload(7), { maxBodyBytes: Number.MAX_SAFE_INTEGER });
    const results: Figures[] = [];
    results.push(await measure("COPY (same table, FK)", points, backends, copy("copy_baseline", copyUser)));
    results.push(await measure("ingest, new body", points, backends, () => ours(user, "inserted"), true));
    results.push(await measure("ingest, re-send", points, backends, () => ours(user, "unchanged"), true));
    // The first large request in a process grows V8's heap once; a second new body shows what a body costs later.
    const second = await newUser("ours-2");
    results.push(await measure("ingest, new body, 2nd user", points, backends, () => ours(second, "inserted"), true));
    // For reference: COPY straight into measurement as it is now declared.
    const realUser = await newUser("copy-real");
    results.push(await measure("COPY (measurement itself)", points, backends, copy("measurement", realUser)));

    const base = results[0];
    const per = (f: Figures) => f.rows / f.wallS;
    console.log("");
    console.log(
      `${"".padEnd(28)}${"wall s".padStart(8)}${"rows/s".padStart(10)}${"× COPY".padStart(8)}${"node cpu s".padStart(12)}` +
        `${"pg cpu s".padStart(10)}${"cpu × COPY".padStart(12)}${"mem ÷ body".padStart(12)}`,
    );
    for (const f of results) {
      const cpuRatio = (base.nodeS + base.pgS) / (f.nodeS + f.pgS);
      console.log(
        `${f.label.padEnd(28)}${f.wallS.toFixed(1).padStart(8)}${Math.round(per(f)).toString().padStart(10)}` +
          `${(per(f) / per(base)).toFixed(2).padStart(8)}${f.nodeS.toFixed(1).padStart(12)}${f.pgS.toFixed(1).padStart(10)}` +
          `${cpuRatio.toFixed(2).padStart(12)}${(f.growth === undefined ? "" : (f.growth / bodyBytes).toFixed(2)).padStart(12)}`,
      );
    }
    for (const f of results)
      console.log(`  ${f.label}: pg cpu ${[...f.pgByType].map(([type, s]) => `${type} ${s.toFixed(1)} s`).join(", ")}`);
    const [, fresh, again, later] = results;
    console.log("");
    console.log(`targets: new ≥ 0.60× COPY's rows/s (${(per(fresh) / per(base)).toFixed(2)}), re-send ≥ 0.90× (${(per(again) / per(base)).toFixed(2)}),`);
    console.log(
      `         peak RSS growth ≤ 1× the body (new ${(fresh.growth! / bodyBytes).toFixed(2)}, re-send ${(again.growth! / bodyBytes).toFixed(2)}, ` +
        `2nd new ${(later.growth! / bodyBytes).toFixed(2)}: +${mb(fresh.growth!)}, +${mb(again.growth!)}, +${mb(later.growth!)})`,
    );
    console.log(`"cpu × COPY" = (node + pg CPU of COPY) ÷ (node + pg CPU of the row); above 1 means cheaper than COPY.`);
  } finally {
    await client.end();
    await monitor.end();
    await t.drop();
  }
}

await main();
