/**
 * Memory check for the streaming ingest (a script, not a timed test): feeds a generated Health Auto
 * Export body of INGEST_MEMORY_MB (default 100) MB through `ingestStream` in this process and prints
 * the peak RSS and heap above the starting point, next to the body size.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx scripts/ingest-memory.ts
 *
 * Uses a fresh scratch database on that server (dropped afterwards). Without DATABASE_URL it runs on
 * in-memory PGlite, whose stored rows live in this process too, so its RSS includes the database.
 */
import { users } from "@/lib/db/schema";
import { ingestStream } from "@/lib/ingest/ingest";
import { pgliteTestDb, postgresTestDb } from "@/test/db";
import { daysForBytes, haePayload, pointCount } from "./ingest-payload";

const targetMb = Number(process.env.INGEST_MEMORY_MB ?? 100);
const days = daysForBytes(targetMb * 1024 * 1024);
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

const t = process.env.DATABASE_URL ? await postgresTestDb() : await pgliteTestDb();
try {
  const [user] = await t.db.insert(users).values({ email: "memory@example.invalid" }).returning({ id: users.id });
  global.gc?.();
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  let bytes = 0;
  async function* counted() {
    for await (const chunk of haePayload(days)) {
      bytes += chunk.byteLength;
      yield chunk;
    }
  }
  const t0 = performance.now();
  const result = await ingestStream(t.db, user.id, counted(), { maxBodyBytes: Number.MAX_SAFE_INTEGER });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  console.log(`engine: ${t.kind}; body: ${mb(bytes)} of JSON, ${pointCount(days)} points; ${seconds.toFixed(1)} s`);
  console.log(`measurements inserted: ${result.counts.measurement.inserted}; daily summaries: ${result.counts.daily_summary.inserted}`);
  console.log(`RSS:  start ${mb(start.rss)}, peak ${mb(peakRss)} → +${mb(peakRss - start.rss)} (${((peakRss - start.rss) / bytes).toFixed(2)}× the body)`);
  console.log(`heap: start ${mb(start.heapUsed)}, peak ${mb(peakHeap)} → +${mb(peakHeap - start.heapUsed)}`);
} finally {
  await t.close();
}
