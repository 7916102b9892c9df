/**
 * `npm run bench:import` — generates a synthetic Apple Health export.xml (default 1 GB, over 5
 * million records: a heart-rate record a minute plus a step record per 10 minutes), streamed to a
 * temp file, and imports it, printing records/s and the process's peak RSS. Then, in the same run on
 * the same database, the ingest path (handleIngest, in-process, the body bench:ingest posts) for
 * its rows/s, and the ratio of the two. The database runs in this process (PGlite) unless
 * DATABASE_URL points at PostgreSQL, where the bench uses a throwaway database.
 *
 * Environment:
 *   BENCH_MB           size of the generated export.xml in MB (default 1024)
 *   BENCH_FILE         import this file instead of generating one (kept)
 *   BENCH_INGEST_DAYS  days of minute heart rate for the ingest comparison (default 365; 0 skips it)
 *   DATABASE_URL       PostgreSQL server to bench on (a scratch database is created and dropped)
 *
 * Targets (issue 16): peak RSS under 300 MB whatever the size; import records/s ≥ 0.5 × ingest rows/s.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createApiKey } from "@/lib/api-keys";
import { openPglite } from "@/lib/db";
import { users } from "@/lib/db/schema";
import { handleIngest } from "@/lib/ingest/ingest";
import { importAppleExport } from "@/lib/import/run";
import { writeSyntheticExport } from "@/lib/import/synthetic-export";
import { postgresTestDb } from "@/test/db";
import { pointCount, timedIngest } from "./ingest-payload";

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
/** The kernel's high-water mark of this process's RSS (Linux), whatever sampling missed. */
const vmHwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) * 1024;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-import-"));
  let file = process.env.BENCH_FILE;
  const ingestDays = Number(process.env.BENCH_INGEST_DAYS ?? 365);
  try {
    if (!file) {
      file = path.join(dir, "export.xml");
      const target = Number(process.env.BENCH_MB ?? 1024) * 1024 * 1024;
      const t0 = Date.now();
      const made = await writeSyntheticExport(file, target);
      console.log(`generated ${mb(made.bytes)}: ${(made.heartRate + made.steps).toLocaleString()} records over ${made.days} days in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const handle = process.env.DATABASE_URL ? await postgresTestDb() : await openPglite();
    const engine = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite in this process";
    const [user] = await handle.db.insert(users).values({ email: `bench-${Date.now()}@example.test` }).returning({ id: users.id });
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    let lastLog = 0;
    const t0 = Date.now();
    const summary = await importAppleExport(handle.db, user.id, file, {
      onProgress: (p) => {
        if (Date.now() - lastLog < 10_000) return;
        lastLog = Date.now();
        const m = process.memoryUsage();
        console.log(`  ${mb(p.bytes)} / ${mb(p.totalBytes)}, ${p.records.toLocaleString()} rows, ${p.step}, rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}`);
      },
    });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const seconds = (Date.now() - t0) / 1000;
    const records = Object.values(summary.records).reduce((a, b) => a + b, 0);
    const importRate = Math.round(records / seconds);
    console.log(`import:  ${records.toLocaleString()} records in ${seconds.toFixed(1)} s = ${importRate.toLocaleString()} records/s (${engine})`);
    console.log(`         stored ${summary.stored.toLocaleString()}, duplicates ${summary.duplicates}, damaged ${summary.damaged.count}; measurement ${JSON.stringify(summary.counts.measurement)}`);
    console.log(`memory:  RSS before ${mb(base)}, peak ${mb(peak)} (kernel high-water mark ${mb(vmHwm())}), growth ${mb(peak - base)}; target < 300 MB`);

    if (ingestDays > 0) {
      // The ingest path on the same database in the same run: a phone's HAE body through handleIngest.
      const [phoneUser] = await handle.db.insert(users).values({ email: `bench-ingest-${Date.now()}@example.test` }).returning({ id: users.id });
      const { key } = await createApiKey(handle.db, phoneUser.id, "bench");
      const ingest = await timedIngest(
        (request) => handleIngest(handle.db, request, { maxBodyBytes: Number.MAX_SAFE_INTEGER, limiter: null, timeBudgetMs: 3_600_000 }),
        "http://bench.invalid",
        key,
        ingestDays,
      );
      console.log(`ingest:  ${pointCount(ingestDays).toLocaleString()} rows (${ingestDays} days, in-process handleIngest) in ${(ingest.ms / 1000).toFixed(1)} s = ${ingest.rowsPerSecond.toLocaleString()} rows/s`);
      console.log(`ratio:   import ${importRate.toLocaleString()} records/s ÷ ingest ${ingest.rowsPerSecond.toLocaleString()} rows/s = ${(importRate / ingest.rowsPerSecond).toFixed(2)} (target ≥ 0.5)`);
    }
    await handle.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
