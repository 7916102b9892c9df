/**
 * `npm run bench:import` — generates a synthetic Apple Health export.xml (default 1 GB, over 5
 * million records: a heart-rate record a minute plus a step record per 10 minutes) and imports it,
 * printing records/s and the process's peak RSS and RSS growth (and, every 10 s, RSS and the heap after a GC). The database runs in this process
 * (PGlite) unless DATABASE_URL points at PostgreSQL, where the bench uses a throwaway database.
 *
 * Environment:
 *   BENCH_MB     size of the generated export.xml in MB (default 1024)
 *   BENCH_FILE   import this file instead of generating one (kept)
 *   DATABASE_URL PostgreSQL server to bench on (a scratch database is created and dropped)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openPglite } from "@/lib/db";
import { users } from "@/lib/db/schema";
import { importAppleExport } from "@/lib/import/run";
import { writeSyntheticExport } from "@/lib/import/synthetic-export";
import { postgresTestDb } from "@/test/db";

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-import-"));
  let file = process.env.BENCH_FILE;
  try {
    if (!file) {
      file = path.join(dir, "export.xml");
      const target = Number(process.env.BENCH_MB ?? 1024) * 1024 * 1024;
      const t0 = Date.now();
      const made = await writeSyntheticExport(file, target);
      console.log(`generated ${mb(made.bytes)}: ${(made.heartRate + made.steps).toLocaleString()} records over ${made.days} days in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const handle = process.env.DATABASE_URL ? await postgresTestDb() : await openPglite();
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
        global.gc?.();
        const m = process.memoryUsage();
        console.log(`  ${mb(p.bytes)} / ${mb(p.totalBytes)}, ${p.records.toLocaleString()} rows, rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}`);
      },
    });
    clearInterval(sampler);
    const seconds = (Date.now() - t0) / 1000;
    const records = Object.values(summary.records).reduce((a, b) => a + b, 0);
    console.log(`imported ${records.toLocaleString()} records in ${seconds.toFixed(1)} s: ${Math.round(records / seconds).toLocaleString()} records/s`);
    console.log(`rows: ${JSON.stringify(summary.counts.measurement)}; damaged: ${summary.damaged.count}`);
    console.log(`RSS: before ${mb(base)}, peak ${mb(peak)}, growth ${mb(peak - base)} (${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite in this process"})`);
    await handle.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
