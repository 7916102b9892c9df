import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb, type TestDb } from "@/test/db";
import { MAX_POINTS_BEFORE_HEADER } from "./hae";
import { post, totalRows, userWithKey } from "./testing";

/**
 * Finding: a metric whose name/units come after its data had all its points held until the metric
 * ended (`{"data":{"metrics":[{"data":[{},{},…]}]}}` grew ~28× the body; 190 MiB killed the
 * server). Now at most MAX_POINTS_BEFORE_HEADER are held, then 422; and a request has a time budget.
 */

let t: TestDb;
let alice: Awaited<ReturnType<typeof userWithKey>>;
beforeAll(async () => {
  t = await testDb();
  alice = await userWithKey(t.db, "limits");
});
afterAll(async () => t?.close());

const encoder = new TextEncoder();
const point = (i: number) =>
  `{"date":"2024-01-01 ${String(Math.floor(i / 60) % 24).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00 +0000","qty":${i % 50}}`;

/** `n` points, streamed in ~64 KiB chunks; name and units before or after the data. */
function body(n: number, order: "header-first" | "header-last", onChunk?: () => void): ReadableStream<Uint8Array> {
  const head = `{"data":{"metrics":[{`;
  const header = `"name":"step_count","units":"count"`;
  let i = 0;
  let stage = 0;
  return new ReadableStream({
    pull(controller) {
      onChunk?.();
      if (stage === 0) {
        controller.enqueue(encoder.encode(head + (order === "header-first" ? `${header},` : "") + `"data":[`));
        stage = 1;
        return;
      }
      if (stage === 1) {
        const parts: string[] = [];
        for (let size = 0; i < n && size < 65536; i++) {
          const p = (i ? "," : "") + point(i);
          parts.push(p);
          size += p.length;
        }
        controller.enqueue(encoder.encode(parts.join("")));
        if (i >= n) stage = 2;
        return;
      }
      controller.enqueue(encoder.encode(`]${order === "header-last" ? `,${header}` : ""}}]}}`));
      controller.close();
    },
  });
}

describe("ingest memory is bounded whatever the key order", () => {
  it("a metric with more points than the bound before its name/units is refused 422, precisely, nothing written", async () => {
    const before = await totalRows(t.db);
    const res = await post(t.db, body(MAX_POINTS_BEFORE_HEADER + 1, "header-last"), { key: alice.key });
    expect(res.status).toBe(422);
    expect(res.json).toEqual({
      error: `data.metrics[0] sent more than ${MAX_POINTS_BEFORE_HEADER} data points before its "name" and "units"; put "name" and "units" before "data" (as Health Auto Export does). Nothing was written.`,
      max_points_before_header: MAX_POINTS_BEFORE_HEADER,
    });
    expect(await totalRows(t.db)).toBe(before);
  });

  it("up to the bound, late name/units still work; the same data with the header first has no bound", async () => {
    const late = await post(t.db, body(1000, "header-last"), { key: alice.key });
    expect(late.status).toBe(200);
    expect(late.json.counts.measurement.inserted).toBe(1000);
    const early = await post(t.db, body(MAX_POINTS_BEFORE_HEADER * 3, "header-first"), { key: alice.key });
    expect(early.status).toBe(200);
  });

  it("the adversarial shape's heap stays small: `{}` points with no name, 16 MiB body", async () => {
    // 16 MiB of `{},` is 5.6 M points; held, they were ~450 MB of heap. Bounded, a few MB.
    const chunk = encoder.encode("{},".repeat(21_000)); // ~63 KiB
    const total = 16 * 1024 * 1024;
    let sent = 0;
    let peak = 0;
    global.gc?.();
    const base = process.memoryUsage().heapUsed;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(`{"data":{"metrics":[{"data":[`));
      },
      pull(controller) {
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
        if (sent >= total) {
          controller.enqueue(encoder.encode(`{}]}]}}`));
          return controller.close();
        }
        controller.enqueue(chunk);
        sent += chunk.byteLength;
      },
    });
    const res = await post(t.db, stream, { key: alice.key, opts: { maxBodyBytes: 64 * 1024 * 1024 } });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatch(/before its "name" and "units"/);
    // Generous: well below what holding the points cost (hundreds of MB), above GC noise.
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });

  it("a request past its time budget is refused 408 and writes nothing (injected clock)", async () => {
    let now = 0;
    const before = await totalRows(t.db);
    // Each chunk read costs 10 "seconds" of the injected clock: a slow upload.
    const res = await post(t.db, body(20_000, "header-first", () => (now += 10_000)), {
      key: alice.key,
      opts: { timeBudgetMs: 30_000, clock: () => now },
    });
    expect(res.status).toBe(408);
    expect(res.json).toEqual({
      error: 'The request took longer than 30 s to read and store; nothing was written. Send smaller batches (e.g. HAE "Batch Requests").',
      time_budget_ms: 30_000,
    });
    expect(await totalRows(t.db)).toBe(before);
  });
});
