/**
 * Memory of the adversarial ingest shape next to the normal one (a script, not a timed test):
 * INGEST_ADVERSARIAL_MB (default 64) MB of `{"data":{"metrics":[{"data":[{},{},…]}]}}` (points before
 * name/units) and the same size of a normal Health Auto Export body, each through `ingestStream`,
 * printing peak RSS and heap growth. Before the bound, the adversarial body grew ~28× its size.
 *
 *   npx tsx scripts/ingest-adversarial.ts            (PGlite in memory)
 */
import { users } from "@/lib/db/schema";
import { ingestStream } from "@/lib/ingest/ingest";
import { pgliteTestDb, postgresTestDb } from "@/test/db";
import { daysForBytes, haePayload } from "./ingest-payload";

const targetMb = Number(process.env.INGEST_ADVERSARIAL_MB ?? 64);
const total = targetMb * 1024 * 1024;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

async function* adversarial(): AsyncGenerator<Uint8Array> {
  const chunk = new TextEncoder().encode("{},".repeat(21_000));
  yield new TextEncoder().encode(`{"data":{"metrics":[{"data":[`);
  for (let sent = 0; sent < total; sent += chunk.byteLength) yield chunk;
  yield new TextEncoder().encode(`{}],"name":"step_count","units":"count"}]}}`);
}

const t = process.env.DATABASE_URL ? await postgresTestDb() : await pgliteTestDb();
try {
  const [user] = await t.db.insert(users).values({ email: "adversarial@example.invalid" }).returning({ id: users.id });
  for (const [label, source] of [
    ["adversarial (points before name/units)", adversarial],
    ["normal (name/units first)", () => haePayload(daysForBytes(total))],
  ] as const) {
    global.gc?.();
    const start = process.memoryUsage();
    let peakRss = start.rss;
    let peakHeap = start.heapUsed;
    let bytes = 0;
    async function* counted() {
      for await (const chunk of source()) {
        bytes += chunk.byteLength;
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
        yield chunk;
      }
    }
    const t0 = performance.now();
    const outcome = await ingestStream(t.db, user.id, counted(), { maxBodyBytes: Number.MAX_SAFE_INTEGER }).then(
      (r) => `stored ${r.counts.measurement.inserted} measurements`,
      (e: Error) => `refused: ${e.name} ${"status" in e ? String(e.status) : ""}`,
    );
    console.log(
      `${label}: read ${mb(bytes)} of ${mb(total)}, ${((performance.now() - t0) / 1000).toFixed(1)} s, ${outcome}; ` +
        `peak RSS +${mb(peakRss - start.rss)}, peak heap +${mb(peakHeap - start.heapUsed)}`,
    );
  }
} finally {
  await t.close();
}
