import { sql } from "drizzle-orm";
import { authenticateApiKey } from "@/lib/api-keys";
import type { Db } from "@/lib/db";
import { addCounts, addTableCounts, CopyStage, emptyUpsertCounts, MeasurementSegments, upsertBatch, type Segment, type UpsertCounts } from "@/lib/normalize/upsert";
import type { MeasurementRow, NormalizedBatch } from "@/lib/normalize/types";
import { Collector, IngestLimitError, type BridgeProvider } from "./collector";
import type { Refusal } from "./plausibility";
import { recomputeDaily } from "./daily";
import { noteReplaced, replaceEditedRecords, WrittenRecords } from "./replace-edited";
import { isTimeZone } from "../normalize/dates";
import { JsonStreamReader, JsonSyntaxError } from "./json-stream";
import { ACCEPTED_SHAPES, PayloadRouter, UnsupportedPayloadError, type PayloadFormat } from "./payload";
import type { RateLimiter } from "./rate-limit";
import { errorSummary } from "@/lib/db/schema-state";
import { markDirty } from "@/lib/reconcile/dirty";
import { reconcileQuietly } from "@/lib/reconcile/store";
import { rowsOf } from "@/lib/db/rows";

/**
 * `POST /api/webhooks/ingest`: phone bridges push here with an API key. Order of checks, so that a
 * bad request costs as little as possible: key (401, body untouched) → rate limit per key (429) →
 * content type (415) → declared length (413) → `tz` (400) → streamed body: size (413), syntax (400
 * with byte position), shape (422). The body is parsed as a stream and written in flushes of
 * `flushRows` rows inside ONE transaction, opened only once the first flush is due: the request
 * lands whole or not at all, and memory holds one flush, not the body. On PostgreSQL measurements
 * leave the flush as COPY text at once and are written a segment at a time (CopyStage): memory then
 * holds two segments of text, off the V8 heap.
 */

export type IngestOptions = {
  maxBodyBytes: number;
  limiter?: RateLimiter | null;
  /** Rows buffered before they are written (memory vs. statement size). */
  flushRows?: number;
  /** Wall-clock budget for reading and storing one request (default 120 s). */
  timeBudgetMs?: number;
  /** Milliseconds clock, injectable for tests. */
  clock?: () => number;
  /** "Now" for the plausibility of dates (default: the request's start). */
  now?: Date;
};

/** A request that takes longer than this to read and store is refused (408), so one slow or huge upload cannot hold a transaction and a worker open indefinitely. */
export const DEFAULT_TIME_BUDGET_MS = 120_000;

export type IngestResult = {
  format: PayloadFormat;
  /** Health Auto Export workout export versions seen (1, 2), when workouts were sent. */
  versions?: number[];
  counts: UpsertCounts;
  unmapped: { count: number; names: Record<string, number> };
  /** Implausible points, not stored (see plausibility.ts): how many, and the first 50 by name. */
  refused: { count: number; points: Refusal[] };
  warnings: string[];
};

export class IngestHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "IngestHttpError";
  }
}

/**
 * Rows per flush (on PostgreSQL, rows other than measurements, which go by SINK_ROWS). Larger flushes
 * bought no CPU and cost memory (rows that live until their flush survive V8's young generation:
 * 20 000 grew the heap about twice as much as 5 000). Two are held at most.
 */
const DEFAULT_FLUSH_ROWS = 10_000;
/**
 * PostgreSQL: measurements move from the Collector to COPY text every this many rows
 * (MeasurementSegments.take) rather than at the flush. Row objects that live across two scavenges are promoted, and with
 * 10 000-row flushes the old generation grew to twice the body before a full GC on a first large request.
 */
const SINK_ROWS = 256;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** The key from `X-API-Key`, `Authorization: Bearer`, or (for apps that cannot set headers) `?key=`. */
export function presentedKey(request: Request, url: URL): string | null {
  const header = request.headers.get("x-api-key")?.trim();
  if (header) return header;
  const auth = request.headers.get("authorization")?.trim();
  const bearer = auth && /^Bearer\s+(\S+)$/i.exec(auth);
  if (bearer) return bearer[1];
  return url.searchParams.get("key")?.trim() || null;
}

export async function handleIngest(db: Db, request: Request, opts: IngestOptions): Promise<Response> {
  try {
    const url = new URL(request.url);
    const key = presentedKey(request, url);
    if (!key)
      throw new IngestHttpError(401, "Missing API key: send it in the X-API-Key header (or Authorization: Bearer <key>).", {}, {
        "www-authenticate": 'Bearer realm="ingest"',
      });
    const auth = await authenticateApiKey(db, key);
    if (!auth)
      throw new IngestHttpError(401, "Invalid or revoked API key.", {}, { "www-authenticate": 'Bearer realm="ingest"' });

    const limit = opts.limiter?.take(auth.keyId);
    if (limit && !limit.ok)
      throw new IngestHttpError(
        429,
        `Too many requests for this key; retry in ${limit.retryAfterSeconds} s.`,
        { retry_after_seconds: limit.retryAfterSeconds },
        { "retry-after": String(limit.retryAfterSeconds) },
      );

    const type = request.headers.get("content-type") ?? "";
    if (!JSON_TYPE.test(type))
      throw new IngestHttpError(415, `Content-Type must be application/json (got ${type ? JSON.stringify(type.slice(0, 100)) : "none"}).`);
    const charset = /;\s*charset="?([^";\s]+)/i.exec(type)?.[1];
    if (charset && !/^utf-?8$/i.test(charset))
      throw new IngestHttpError(415, `Only UTF-8 JSON is accepted (got charset ${charset.slice(0, 40)}).`);

    const declared = Number(request.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > opts.maxBodyBytes) throw tooLarge(opts.maxBodyBytes);

    const tz = url.searchParams.get("tz");
    if (tz !== null && !isTimeZone(tz))
      throw new IngestHttpError(400, "tz must be an IANA time zone name such as Europe/Berlin or America/New_York.");

    const result = await ingestStream(db, auth.userId, request.body, {
      tz,
      maxBodyBytes: opts.maxBodyBytes,
      flushRows: opts.flushRows,
      timeBudgetMs: opts.timeBudgetMs,
      clock: opts.clock,
      now: opts.now,
    });
    return json(200, result);
  } catch (err) {
    if (err instanceof IngestHttpError) return json(err.status, { error: err.message, ...err.extra }, err.headers);
    if (err instanceof JsonSyntaxError) return json(400, { error: err.message, position: err.position });
    if (err instanceof UnsupportedPayloadError) return json(422, { error: err.message, accepted: ACCEPTED_SHAPES });
    if (err instanceof IngestLimitError) return json(err.status, { error: err.message, ...err.limit });
    // Never echo the body, the key or the SQL with its values; the driver's message is enough to debug.
    console.error("ingest failed:", errorSummary(err));
    return json(500, { error: "Internal error while storing the data; nothing was written." });
  }
}

const accountGone = () => new IngestHttpError(410, "The account no longer exists; nothing was written.");

const tooLarge = (max: number) =>
  new IngestHttpError(413, `The body exceeds the limit of ${max} bytes; split the export (e.g. HAE "Batch Requests").`, {
    limit_bytes: max,
  });

type Source = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null;

/** Streams a payload for `userId` into the database; throws the typed errors handled above. */
export async function ingestStream(
  db: Db,
  userId: string,
  body: Source,
  opts: { tz?: string | null; maxBodyBytes: number; flushRows?: number; timeBudgetMs?: number; clock?: () => number; now?: Date },
): Promise<IngestResult> {
  const flushRows = opts.flushRows ?? DEFAULT_FLUSH_ROWS;
  const clock = opts.clock ?? Date.now;
  const budget = opts.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
  const startedAt = clock();
  const checkBudget = () => {
    if (clock() - startedAt > budget)
      throw new IngestLimitError(
        408,
        `The request took longer than ${Math.round(budget / 1000)} s to read and store; nothing was written. Send smaller batches (e.g. HAE "Batch Requests").`,
        { time_budget_ms: budget },
      );
  };
  const out = new Collector(opts.now ?? new Date(clock()));
  const router = new PayloadRouter(out, opts.tz ?? null);
  const reader = new JsonStreamReader(router);
  const chunks = iterate(body);
  let bytes = 0;
  let format: PayloadFormat | null = null;

  /** Reads until a flush is due or the body ends. */
  const pump = async () => {
    while (out.pending < flushRows && !sealedQueue.length) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch {
        throw new IngestHttpError(400, "The request body could not be read to the end.");
      }
      if (next.done) {
        reader.end();
        format = router.finish();
        return;
      }
      bytes += next.value.byteLength;
      if (bytes > opts.maxBodyBytes) throw tooLarge(opts.maxBodyBytes);
      checkBudget();
      reader.write(next.value);
      // A body that is already in memory (or arrives faster than we parse) resolves every read as a
      // microtask: yield to the event loop after each chunk, so the flush being written (COPY
      // data, the socket's drain) keeps moving while this one is parsed.
      if (writes) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  /** Flushes in flight (the pump yields between chunks only then: nothing to keep moving otherwise). */
  let writes = 0;
  /** Segments the Collector's sink filled (PostgreSQL), to be written at the next flush. */
  const sealedQueue: Segment[] = [];
  /** Measurements the sink could not take (no local day yet), for the next flush's upsertBatch. */
  const leftover: MeasurementRow[] = [];
  // From the first row on, even before the transaction opens: rows held longer (a first flush of
  // 10 000) survive scavenges, and V8 then pretenures their allocation sites for the whole process.
  const segments = CopyStage.supported(db) ? new MeasurementSegments() : null;
  if (segments)
    out.sinkMeasurements((rows) => {
      const { sealed, rest } = segments.take(userId, rows);
      sealedQueue.push(...sealed);
      leftover.push(...rest);
    }, SINK_ROWS);

  const counts = emptyUpsertCounts();
  try {
    await pump();
    await db.transaction(async (tx) => {
      // The user row, locked FOR KEY SHARE (the lock a foreign key check takes) until the request
      // commits: an account deleted meanwhile waits for it (and then takes these rows with it,
      // drizzle/0008_measurement_user_triggers.sql); one deleted before is refused here, cleanly.
      const [user] = rowsOf(await tx.execute(sql`SELECT 1 AS ok FROM "user" WHERE id = ${userId}::uuid FOR KEY SHARE`));
      if (!user) throw accountGone();
      // Statements run one after the other on the transaction's connection, while the next flush
      // is parsed. PostgreSQL: measurements leave the flush at once as COPY text (MeasurementSegments.take),
      // written a segment at a time, at most one segment in flight while the next fills; flushes
      // with other rows (workouts, sleep, raw) wait for the previous flush as before, so at most two
      // are in memory. PGlite: unnest upserts, one flush at a time. The Collector keeps one
      // measurement per natural key per flush (the last), so no second dedupe.
      let writing = Promise.resolve();
      let segmentWritten: Promise<void> = Promise.resolve();
      const written = new WrittenRecords();
      const stage = CopyStage.of(tx, { distinct: ["measurement"] });
      const enqueue = (work: () => Promise<void>) => {
        writes++;
        writing = writing.then(work).finally(() => writes--);
        writing.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
      };
      const writeSegments = (segments: Segment[]) =>
        enqueue(async () => {
          for (const seg of segments) addTableCounts(counts.measurement, await stage!.writeSegment(seg));
        });
      /** Queues a flush; resolves when the caller may parse the next one. */
      const write = async (batch: NormalizedBatch) => {
        written.add(batch);
        if (!stage || !segments) {
          enqueue(async () => void addCounts(counts, await upsertBatch(tx, userId, batch)));
          return writing;
        }
        const taken = segments.take(userId, batch.measurements);
        const sealed = [...sealedQueue.splice(0), ...taken.sealed];
        const rest = [...leftover.splice(0), ...taken.rest];
        batch.measurements = rest;
        const rows = batch.activities.length + batch.sleepSessions.length + batch.dailySummaries.length + rest.length + batch.raw.length;
        if (rows) enqueue(async () => void addCounts(counts, await upsertBatch(tx, userId, batch, stage)));
        if (sealed.length) {
          const previous = segmentWritten;
          writeSegments(sealed);
          segmentWritten = writing;
          await previous;
        }
        if (rows) await writing;
      };
      try {
        await write(out.drain());
        while (!format) {
          await pump();
          checkBudget();
          await write(out.drain());
        }
        const last = segments?.seal();
        if (last) writeSegments([last]);
        await writing;
        checkBudget();
      } catch (err) {
        await writing.catch(() => {}); // let the statement in flight finish before the rollback
        throw err;
      }
      const replaced = await replaceEditedRecords(tx, userId, written, new Date(clock()));
      noteReplaced(out, replaced);
      await markDirty(tx, userId, [...replaced.activities, ...replaced.sleepSessions].map((r) => r.localDate));
      const providers = new Set<BridgeProvider>([...out.days.keys(), ...out.sleepDays.keys()]);
      for (const provider of providers) {
        const daily = await recomputeDaily(tx, userId, provider, out.days.get(provider) ?? new Set(), out.sleepDays.get(provider) ?? new Set());
        addCounts(counts, await upsertBatch(tx, userId, { dailySummaries: daily }));
      }
    });
  } finally {
    await chunks.return?.(undefined).catch(() => {});
  }
  await reconcileQuietly(db, userId);

  const versions = [...router.hae.workoutVersions].sort();
  return {
    format: format!,
    ...(versions.length ? { versions } : {}),
    counts,
    unmapped: { count: [...out.unmapped.values()].reduce((a, b) => a + b, 0), names: Object.fromEntries(out.unmapped) },
    refused: { count: out.refusedCount, points: out.refusedList },
    warnings: out.warnings,
  };
}

async function* fromStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value?.byteLength) yield value;
    }
  } finally {
    // Stop the upload when we stop early (413, 400, 422).
    await reader.cancel().catch(() => {});
  }
}

function iterate(body: Source): AsyncIterator<Uint8Array> {
  if (!body) return (async function* () {})();
  if (typeof (body as ReadableStream).getReader === "function") return fromStream(body as ReadableStream<Uint8Array>);
  return (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
}

export { ACCEPTED_SHAPES };
