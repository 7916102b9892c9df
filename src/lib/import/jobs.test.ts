import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { count, eq, sql } from "drizzle-orm";
import { measurements } from "@/lib/db/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userWithKey } from "@/lib/ingest/testing";
import { testDb, type TestDb } from "@/test/db";
import { appendChunk, cancelJob, createUpload, getJob, ImportRequestError, partFile, runNextImport } from "./jobs";
import type { ImportProgress, ImportSummary } from "./run";
import { writeSyntheticExport } from "./synthetic-export";

const fx = (name: string) => path.join(process.cwd(), "src/lib/import/fixtures", name);
const NOW = () => new Date("2024-06-02T00:00:00Z");

let t: TestDb;
let dataDir: string;
beforeAll(async () => {
  t = await testDb();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "import-jobs-"));
}, 60_000);
afterAll(async () => {
  await t?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const stream = (bytes: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });

const measurementCount = async (userId: string) =>
  (await t.db.select({ n: count() }).from(measurements).where(eq(measurements.userId, userId)))[0].n;

/** Uploads `bytes` in `size`-byte chunks like the page does. */
async function upload(userId: string, id: string, bytes: Buffer, size: number) {
  let job = await getJob(t.db, userId, id);
  for (let offset = 0; offset < bytes.length; offset += size)
    job = await appendChunk(t.db, userId, dataDir, id, String(offset), stream(bytes.subarray(offset, offset + size)));
  return job;
}

describe("chunked upload and background import", () => {
  it("stores chunks, resumes at the stored offset, queues the job and imports it with a summary", async () => {
    const { userId } = await userWithKey(t.db, "jobs");
    const bytes = fs.readFileSync(fx("export.zip"));
    const job = await createUpload(t.db, userId, dataDir, { fileName: "export.zip", size: bytes.length });
    // First chunk, then a gap: refused with the offset to resume at.
    await appendChunk(t.db, userId, dataDir, job.id, "0", stream(bytes.subarray(0, 1000)));
    const gap = await appendChunk(t.db, userId, dataDir, job.id, "2000", stream(bytes.subarray(2000, 3000))).catch((e: unknown) => e);
    expect(gap).toBeInstanceOf(ImportRequestError);
    expect((gap as ImportRequestError).status).toBe(409);
    expect((gap as ImportRequestError).extra.received).toBe(1000);
    // A retried chunk that overlaps what is stored is fine.
    await appendChunk(t.db, userId, dataDir, job.id, "500", stream(bytes.subarray(500, 1000)));
    let after = await getJob(t.db, userId, job.id);
    expect(after.receivedBytes).toBe(1000);
    for (let offset = 1000; offset < bytes.length; offset += 700)
      after = await appendChunk(t.db, userId, dataDir, job.id, String(offset), stream(bytes.subarray(offset, offset + 700)));
    expect(after.status).toBe("queued");
    expect(fs.readFileSync(partFile(dataDir, job.id)).equals(bytes)).toBe(true);

    expect(await runNextImport(t.db, { dataDir, now: NOW })).toBe(true);
    const done = await getJob(t.db, userId, job.id);
    expect(done.status).toBe("succeeded");
    expect(done.format).toBe("apple_health_export");
    const summary = done.summary as { records: Record<string, number>; counts: { measurement: { inserted: number } }; routes: { read: number } };
    expect(summary.records.Workout).toBe(1);
    expect(summary.counts.measurement.inserted).toBeGreaterThan(0);
    expect(summary.routes.read).toBe(1);
    expect(fs.existsSync(partFile(dataDir, job.id))).toBe(false);
    expect(await runNextImport(t.db, { dataDir, now: NOW })).toBe(false);
  }, 60_000);

  it("refuses wrong types and oversize chunks precisely; a failed file says why", async () => {
    const { userId } = await userWithKey(t.db, "jobs-bad");
    await expect(createUpload(t.db, userId, dataDir, { fileName: "photo.jpg", size: 10 })).rejects.toMatchObject({ status: 415 });
    await expect(createUpload(t.db, userId, dataDir, { fileName: "x.fit", size: 0 })).rejects.toMatchObject({ status: 400 });
    const small = await createUpload(t.db, userId, dataDir, { fileName: "a.gpx", size: 4 });
    await expect(appendChunk(t.db, userId, dataDir, small.id, "0", stream(new Uint8Array(10)))).rejects.toMatchObject({ status: 413 });

    const bad = fs.readFileSync(fx("activity-bad-crc.fit"));
    const job = await createUpload(t.db, userId, dataDir, { fileName: "run.fit", size: bad.length });
    await upload(userId, job.id, bad, 512);
    await cancelJob(t.db, userId, dataDir, small.id);
    expect(await runNextImport(t.db, { dataDir, now: NOW })).toBe(true);
    const failed = await getJob(t.db, userId, job.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe("The FIT file is damaged (size or CRC check failed): FIT Runtime Error at byte 1831 CRC error.");
    expect(failed.summary).toBeNull(); // nothing of it was written
    // Another user's job is not found.
    const other = await userWithKey(t.db, "jobs-other");
    await expect(getJob(t.db, other.userId, job.id)).rejects.toMatchObject({ status: 404 });
  }, 60_000);

  it("a file whose name is accepted but whose bytes are not an export or an activity file fails with the types it takes", async () => {
    const { userId } = await userWithKey(t.db, "jobs-png");
    const png = Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n", "latin1"), Buffer.alloc(100)]);
    const job = await createUpload(t.db, userId, dataDir, { fileName: "export.zip", size: png.length });
    await upload(userId, job.id, png, 64);
    expect(await runNextImport(t.db, { dataDir, now: NOW })).toBe(true);
    const failed = await getJob(t.db, userId, job.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe("Unknown file type: send Apple Health's export.zip or export.xml, or FIT, GPX or TCX activity files.");
  }, 60_000);

  it("a cut-short export.xml fails with its line, and its summary is what landed", async () => {
    const { userId } = await userWithKey(t.db, "jobs-cut");
    const bytes = fs.readFileSync(fx("export-cut.xml"));
    const job = await createUpload(t.db, userId, dataDir, { fileName: "export.xml", size: bytes.length });
    await upload(userId, job.id, bytes, 1000);
    expect(await runNextImport(t.db, { dataDir, now: NOW })).toBe(true);
    const failed = await getJob(t.db, userId, job.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/^export\.xml ends at line 35, column 0 \(after 3,384 bytes\) inside an unclosed <Record>: /);
    const n = await measurementCount(userId);
    expect(n).toBeGreaterThan(0);
    expect((failed.summary as ImportSummary).stored).toBe(n);
    expect(failed.error).toContain(`What was read before it landed: ${n} records stored, 0 already there.`);
  }, 60_000);

  it("a cancelled upload is dropped with its bytes", async () => {
    const { userId } = await userWithKey(t.db, "jobs-cancel");
    const bytes = fs.readFileSync(fx("export.xml"));
    const job = await createUpload(t.db, userId, dataDir, { fileName: "export.xml", size: bytes.length });
    await appendChunk(t.db, userId, dataDir, job.id, "0", stream(bytes.subarray(0, 100)));
    const cancelled = await cancelJob(t.db, userId, dataDir, job.id);
    expect(cancelled.status).toBe("cancelled");
    expect(fs.existsSync(partFile(dataDir, job.id))).toBe(false);
    await expect(appendChunk(t.db, userId, dataDir, job.id, "100", stream(bytes.subarray(100)))).rejects.toMatchObject({ status: 409 });
  }, 60_000);

  it("a running import stops at the cancel and says what landed", async () => {
    const { userId } = await userWithKey(t.db, "jobs-cancel-running");
    const src = path.join(dataDir, "big.xml");
    const made = await writeSyntheticExport(src, 8 * 1024 * 1024);
    const job = await createUpload(t.db, userId, dataDir, { fileName: "export.xml", size: made.bytes });
    fs.copyFileSync(src, partFile(dataDir, job.id));
    await t.db.execute(sql`UPDATE import_job SET status = 'queued', received_bytes = size_bytes WHERE id = ${job.id}::uuid`);
    const running = runNextImport(t.db, { dataDir, progressEveryMs: 0 });
    // Wait until progress shows rows, then cancel.
    for (let i = 0; i < 600; i++) {
      const p = (await getJob(t.db, userId, job.id)).progress as Partial<ImportProgress>;
      if ((p.records ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await cancelJob(t.db, userId, dataDir, job.id);
    await running;
    const done = await getJob(t.db, userId, job.id);
    expect(done.status).toBe("cancelled");
    const summary = done.summary as ImportSummary;
    const n = await measurementCount(userId);
    expect(n).toBe(summary.counts.measurement.inserted);
    expect(n).toBe(summary.stored);
    expect(n).toBeLessThan(made.heartRate + made.steps);
  }, 300_000);
});
