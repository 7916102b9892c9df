/**
 * `npm run bench:ingest` — throughput of POST /api/webhooks/ingest against a running app, next to
 * PostgreSQL COPY of the same rows into a scratch table on the same database.
 *
 * Run the app on PostgreSQL, then point the bench at both:
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthbridge npm run build && \
 *   DATABASE_URL=… PORT=3140 npm start &                  # the app under test
 *   DATABASE_URL=… BENCH_URL=http://127.0.0.1:3140 npm run bench:ingest
 *
 * Environment:
 *   BENCH_URL         the running app (default http://127.0.0.1:3000)
 *   DATABASE_URL      the app's PostgreSQL database (required): the bench creates a throwaway user and
 *                     API key there (deleted at the end, with its rows) and runs the COPY baseline
 *   BENCH_DAYS        days of data (default 365: 525 600 minute heart-rate points + 2 920 daily points)
 *   BENCH_SERVER_PID  the app server's pid, for its peak memory (default: whoever listens on BENCH_URL's port)
 *   BENCH_KEEP=1      keep the bench user and its rows
 * PGlite cannot be shared between two processes, so an app on embedded PGlite cannot be benchmarked
 * from outside; use PostgreSQL.
 */
import fs from "node:fs";
import { eq, sql } from "drizzle-orm";
import { createApiKey } from "@/lib/api-keys";
import { openPostgres } from "@/lib/db";
import { users } from "@/lib/db/schema";
import { benchPoints, haePayload, pointCount, timedIngest } from "./ingest-payload";

const baseUrl = process.env.BENCH_URL ?? "http://127.0.0.1:3000";
const databaseUrl = process.env.DATABASE_URL;
const days = Number(process.env.BENCH_DAYS ?? 365);
if (!databaseUrl) {
  console.error("Set DATABASE_URL to the PostgreSQL database the app at BENCH_URL uses (see the header of this file).");
  process.exit(2);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));

/** The pid listening on `port` (Linux /proc), so we can read its memory. */
function pidListeningOn(port: number): number | null {
  const inodes = new Set<string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[3] === "0A" && parseInt(cols[1].split(":")[1], 16) === port) inodes.add(cols[9]);
    }
  }
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) return Number(pid);
      }
    } catch {
      // not ours to read, or gone
    }
  }
  return null;
}

function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS every 50 ms while `run` runs. */
async function withPeakRss<T>(pid: number | null, run: () => Promise<T>) {
  const before = pid ? rssOf(pid) : null;
  let peak = before ?? 0;
  const timer = pid ? setInterval(() => (peak = Math.max(peak, rssOf(pid) ?? 0)), 50) : null;
  try {
    const result = await run();
    return { result, before, peak: pid ? Math.max(peak, rssOf(pid) ?? 0) : null };
  } finally {
    if (timer) clearInterval(timer);
  }
}

async function main() {
  const handle = await openPostgres(databaseUrl!, { max: 2 });
  const db = handle.db;
  let payloadBytes = 0;
  for await (const chunk of haePayload(days)) payloadBytes += chunk.byteLength;
  const points = pointCount(days);
  const pid = process.env.BENCH_SERVER_PID ? Number(process.env.BENCH_SERVER_PID) : pidListeningOn(Number(new URL(baseUrl).port || 80));

  const [user] = await db
    .insert(users)
    .values({ email: `bench-${Date.now()}@example.invalid` })
    .returning({ id: users.id });
  const { key } = await createApiKey(db, user.id, "bench");
  try {
    console.log(`payload: ${points} points (${days} days of minute heart rate + daily metrics), ${mb(payloadBytes)} of JSON`);
    console.log(`app: ${baseUrl}, server pid ${pid ?? "unknown (set BENCH_SERVER_PID)"}`);

    const first = await withPeakRss(pid, () => timedIngest(fetch, baseUrl, key, days));
    const m = first.result.counts.measurement;
    console.log(
      `ingest (new):       ${m.inserted} measurements in ${(first.result.ms / 1000).toFixed(1)} s = ${rate(points, first.result.ms)} rows/s`,
    );
    if (first.before !== null && first.peak !== null)
      console.log(`server memory:      ${mb(first.before)} before, ${mb(first.peak)} peak (+${mb(first.peak - first.before)} for a ${mb(payloadBytes)} body)`);

    const again = await withPeakRss(pid, () => timedIngest(fetch, baseUrl, key, days));
    console.log(
      `ingest (re-send):   ${again.result.counts.measurement.unchanged} unchanged in ${(again.result.ms / 1000).toFixed(1)} s = ${rate(points, again.result.ms)} rows/s`,
    );

    // Baseline: the same rows with COPY into a scratch copy of the measurement table (same indexes).
    const scratch = `bench_copy_${Date.now()}`;
    await db.execute(sql.raw(`CREATE TABLE ${scratch} (LIKE measurement INCLUDING DEFAULTS INCLUDING INDEXES)`));
    try {
      const { default: postgres } = await import("postgres");
      const client = postgres(databaseUrl!, { max: 1, onnotice: () => {} });
      const t0 = performance.now();
      const writable = await client.unsafe(`COPY ${scratch} (user_id, provider, type, measured_at, value, unit, source) FROM STDIN`).writable();
      let buf = "";
      for (const p of benchPoints(days)) {
        buf += `${user.id}\tapple_health\t${p.type}\t${p.at.toISOString()}\t${p.value}\t${p.unit}\tApple Watch\n`;
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
      const copyMs = performance.now() - t0;
      await client.end();
      console.log(`COPY baseline:      ${points} rows in ${(copyMs / 1000).toFixed(1)} s = ${rate(points, copyMs)} rows/s`);
      console.log(`ratio:              COPY is ${(first.result.ms / copyMs).toFixed(1)}× faster than a new ingest, ${(again.result.ms / copyMs).toFixed(1)}× than a re-send`);
    } finally {
      await db.execute(sql.raw(`DROP TABLE IF EXISTS ${scratch}`));
    }
  } finally {
    if (process.env.BENCH_KEEP !== "1") await db.delete(users).where(eq(users.id, user.id));
    await handle.close();
  }
}

await main();
