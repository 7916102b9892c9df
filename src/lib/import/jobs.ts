import fs from "node:fs";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { and, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { errorSummary } from "@/lib/db/schema-state";
import { importJobs } from "@/lib/db/schema";
import { IngestLimitError } from "@/lib/ingest/collector";
import { ImportFileError } from "./apple-file";
import { ImportCancelled, importFile, partialSummary, type ImportProgress, type ImportSummary } from "./run";
import { rowsOf } from "@/lib/db/rows";

/**
 * Uploads in resumable chunks, then an in-process background import. A chunk is streamed straight
 * from the request into `<DATA_DIR>/imports/<job id>.part` at its offset (never held whole, on the
 * server or — with Blob.slice — in the browser); the row's `received_bytes` says where a resumed
 * upload goes on. When the last byte is in, the job is queued and the runner (runner.ts) imports it.
 */

export const CHUNK_BYTES = 8 * 1024 * 1024;
/** Ten years of a Watch wearer's export.zip is a few GB; far beyond that is not one export. */
export const MAX_UPLOAD_BYTES = 20 * 1024 ** 3;

export class ImportRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ImportRequestError";
  }
}

export const createUploadInput = z.object({
  fileName: z
    .string()
    .trim()
    .min(1, "fileName is required.")
    .max(255, "fileName is longer than 255 characters."),
  size: z
    .number({ message: "size must be the file's length in bytes." })
    .int("size must be a whole number of bytes.")
    .positive("The file is empty.")
    .max(MAX_UPLOAD_BYTES, `Files larger than ${MAX_UPLOAD_BYTES} bytes are not accepted.`),
});

const ACCEPTED = /\.(zip|xml|fit|gpx|tcx)$/i;

export const uploadDir = (dataDir: string) => path.join(dataDir, "imports");
export const partFile = (dataDir: string, id: string) => path.join(uploadDir(dataDir), `${id}.part`);

export type ImportJob = typeof importJobs.$inferSelect;

/** The job as the page sees it (no paths). */
export function jobView(job: ImportJob) {
  return {
    id: job.id,
    status: job.status,
    fileName: job.fileName,
    size: job.sizeBytes,
    received: job.receivedBytes,
    format: job.format,
    progress: job.progress as Partial<ImportProgress>,
    summary: job.summary as ImportSummary | null,
    error: job.error,
    cancelRequested: job.cancelRequested,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
export type ImportJobView = ReturnType<typeof jobView>;

export async function createUpload(db: Db, userId: string, dataDir: string, input: unknown): Promise<ImportJob> {
  const parsed = createUploadInput.safeParse(input);
  if (!parsed.success) throw new ImportRequestError(400, parsed.error.issues[0].message);
  const { fileName, size } = parsed.data;
  if (!ACCEPTED.test(fileName))
    throw new ImportRequestError(415, "Send Apple Health's export.zip or export.xml, or .fit, .gpx or .tcx activity files.");
  const [job] = await db.insert(importJobs).values({ userId, fileName: path.basename(fileName), sizeBytes: size }).returning();
  await fs.promises.mkdir(uploadDir(dataDir), { recursive: true });
  await fs.promises.writeFile(partFile(dataDir, job.id), "");
  return job;
}

export async function getJob(db: Db, userId: string, id: string): Promise<ImportJob> {
  if (!z.uuid().safeParse(id).success) throw new ImportRequestError(404, "No such import.");
  const [job] = await db
    .select()
    .from(importJobs)
    .where(and(eq(importJobs.id, id), eq(importJobs.userId, userId)));
  if (!job) throw new ImportRequestError(404, "No such import.");
  return job;
}

export async function listJobs(db: Db, userId: string, limit = 20): Promise<ImportJob[]> {
  return db.select().from(importJobs).where(eq(importJobs.userId, userId)).orderBy(desc(importJobs.createdAt)).limit(limit);
}

/**
 * Stores one chunk at `offset`. The offset must be where the stored bytes end (a retried chunk
 * may also start earlier: it overwrites); a gap is refused with 409 and the offset to resume at.
 */
export async function appendChunk(
  db: Db,
  userId: string,
  dataDir: string,
  id: string,
  offsetParam: string | null,
  body: ReadableStream<Uint8Array> | null,
): Promise<ImportJob> {
  const job = await getJob(db, userId, id);
  if (job.status !== "uploading") throw new ImportRequestError(409, `This import is ${job.status}; it takes no more bytes.`, { received: job.receivedBytes });
  const offset = Number(offsetParam);
  if (offsetParam === null || !Number.isSafeInteger(offset) || offset < 0)
    throw new ImportRequestError(400, "offset must be the byte position of the chunk (a whole number ≥ 0).");
  if (offset > job.receivedBytes)
    throw new ImportRequestError(409, `The upload has ${job.receivedBytes} bytes; send the chunk at that offset.`, { received: job.receivedBytes });
  if (!body) throw new ImportRequestError(400, "The chunk is empty.");
  let written = 0;
  const limit = Math.min(CHUNK_BYTES, job.sizeBytes - offset);
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.byteLength;
      if (written > limit)
        return done(new ImportRequestError(413, `A chunk is at most ${CHUNK_BYTES} bytes and must not pass the declared size (${job.sizeBytes}).`));
      done(null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>),
    counter,
    fs.createWriteStream(partFile(dataDir, id), { flags: "r+", start: offset }),
  );
  const received = Math.max(job.receivedBytes, offset + written);
  const complete = received === job.sizeBytes;
  // Compare-and-set on the stored length, so two racing chunk requests cannot both move it.
  const [updated] = await db
    .update(importJobs)
    .set({ receivedBytes: received, status: complete ? "queued" : "uploading", updatedAt: new Date() })
    .where(and(eq(importJobs.id, id), eq(importJobs.receivedBytes, job.receivedBytes), eq(importJobs.status, "uploading")))
    .returning();
  if (!updated) return getJob(db, userId, id);
  return updated;
}

/** Cancels an upload at once, or asks the running import to stop at its next chunk. */
export async function cancelJob(db: Db, userId: string, dataDir: string, id: string): Promise<ImportJob> {
  const job = await getJob(db, userId, id);
  if (job.status === "uploading" || job.status === "queued") {
    const [updated] = await db
      .update(importJobs)
      .set({ status: "cancelled", cancelRequested: true, finishedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(importJobs.id, id), sql`${importJobs.status} in ('uploading', 'queued')`))
      .returning();
    if (updated) {
      await fs.promises.rm(partFile(dataDir, id), { force: true });
      return updated;
    }
  }
  if (job.status === "running" || job.status === "queued") {
    const [updated] = await db
      .update(importJobs)
      .set({ cancelRequested: true, updatedAt: new Date() })
      .where(eq(importJobs.id, id))
      .returning();
    return updated;
  }
  return job;
}

/** Claims the oldest queued import (SKIP LOCKED: two processes never take the same one). */
async function claim(db: Db): Promise<ImportJob | null> {
  const rows = (await db.execute(sql`
    UPDATE import_job SET status = 'running', started_at = now(), updated_at = now()
    WHERE id = (SELECT id FROM import_job WHERE status = 'queued' ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id`)) as unknown;
  const id = rowsOf<{ id: string }>(rows)[0]?.id;
  if (!id) return null;
  const [job] = await db.select().from(importJobs).where(eq(importJobs.id, id));
  return job ?? null;
}

export type RunOptions = { dataDir: string; now?: () => Date; progressEveryMs?: number };

/** Runs the next queued import to its end; false when there was none. */
export async function runNextImport(db: Db, opts: RunOptions): Promise<boolean> {
  const job = await claim(db);
  if (!job) return false;
  const file = partFile(opts.dataDir, job.id);
  const abort = new AbortController();
  let lastWrite = 0;
  let writing: Promise<void> = Promise.resolve();
  const every = opts.progressEveryMs ?? 1000;
  const onProgress = (p: ImportProgress) => {
    const t = Date.now();
    if (t - lastWrite < every) return;
    lastWrite = t;
    // Progress out, cancel flag in: one round trip, never awaited by the parser.
    writing = writing.then(async () => {
      const [row] = await db
        .update(importJobs)
        .set({ progress: p, updatedAt: new Date() })
        .where(eq(importJobs.id, job.id))
        .returning({ cancel: importJobs.cancelRequested });
      if (row?.cancel) abort.abort();
    });
  };
  let status: ImportJob["status"] = "succeeded";
  let summary: ImportSummary | null = null;
  let error: string | null = null;
  try {
    summary = await importFile(db, job.userId, file, { signal: abort.signal, onProgress, now: opts.now?.() });
  } catch (err) {
    summary = partialSummary(err);
    if (err instanceof ImportCancelled) {
      status = "cancelled";
      error = "Cancelled; the rows read before the cancel were kept (importing the file again completes it without duplicates).";
    } else if (err instanceof ImportFileError || err instanceof IngestLimitError) {
      status = "failed";
      error = err.message;
    } else {
      status = "failed";
      error = "Internal error while importing; the rows written before it were kept.";
      console.error(`[import] ${job.id} failed: ${errorSummary(err)}`);
    }
  }
  await writing.catch(() => {});
  await db
    .update(importJobs)
    .set({ status, summary, error, finishedAt: new Date(), updatedAt: new Date(), format: summary?.format ?? null })
    .where(eq(importJobs.id, job.id));
  await fs.promises.rm(file, { force: true });
  return true;
}

/** After a restart, imports that were running had their process die under them: run them again. */
export async function requeueInterrupted(db: Db): Promise<void> {
  await db.update(importJobs).set({ status: "queued", updatedAt: new Date() }).where(eq(importJobs.status, "running"));
}
