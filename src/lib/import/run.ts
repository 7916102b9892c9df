import { getTableName } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { analyzeAfterBulkWrite, BULK_WRITE_ROWS, HEALTH_DATA_TABLES } from "@/lib/db/analyze";
import { Collector, type BridgeProvider } from "@/lib/ingest/collector";
import { recomputeDaily } from "@/lib/ingest/daily";
import type { Refusal } from "@/lib/ingest/plausibility";
import { addCounts, emptyUpsertCounts, upsertBatch, type UpsertCounts } from "@/lib/normalize/upsert";
import { reconcileQuietly } from "@/lib/reconcile/store";
import { AppleExportParser, FileCollector, MAX_ISSUES_LISTED, type XmlIssue } from "./apple-export";
import fs from "node:fs";
import { readActivityFile } from "./activity-file";
import { ImportFileError, readAppleExport, sniff } from "./apple-file";

/**
 * One uploaded file → rows, written in flushes through `upsertBatch` (idempotent: importing the
 * same file twice updates nothing). Not one transaction: a ten-year export takes minutes, and what
 * landed before a failure or a cancel is real data that a retry simply finds unchanged — the
 * summary says exactly how far it got.
 */

export class ImportCancelled extends Error {
  constructor() {
    super("The import was cancelled.");
    this.name = "ImportCancelled";
  }
}

export type ImportProgress = { bytes: number; totalBytes: number; records: number; step: string };

export type ImportFormat = "apple_health_export" | "fit" | "gpx" | "tcx";

export type ImportSummary = {
  format: ImportFormat;
  /** Records read per type (HealthKit identifier, Workout, ActivitySummary). */
  records: Record<string, number>;
  counts: UpsertCounts;
  /** Records written (new or changed): measurements, activities, nights, raw records — not the daily summaries derived from them. */
  stored: number;
  /** Records that were already stored as they are, plus points repeated inside the file. */
  duplicates: number;
  unmapped: { count: number; names: Record<string, number> };
  refused: { count: number; points: Refusal[] };
  /** Damaged spots of the XML (the broken iOS 16 exports): each element there was skipped. */
  damaged: { count: number; issues: XmlIssue[] };
  routes: { read: number; missing: string[] };
  warnings: string[];
};

export type ImportOptions = {
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
  /** "Now" for the plausibility of dates. */
  now?: Date;
  flushRows?: number;
  /** Rows written to a table past which it is ANALYZEd before the daily summaries (default BULK_WRITE_ROWS). */
  analyzeAfterRows?: number;
};

const DEFAULT_FLUSH_ROWS = 5000;

/** The tables that hold what the file said (daily_summary is derived from them, so not counted as records). */
const RECORD_TABLES = ["measurement", "activity", "sleep_session", "raw_record"] as const;
const recordCounts = (counts: UpsertCounts) => ({
  stored: RECORD_TABLES.reduce((a, t) => a + counts[t].inserted + counts[t].updated, 0),
  unchanged: RECORD_TABLES.reduce((a, t) => a + counts[t].unchanged, 0),
});

const landed = new WeakMap<object, ImportSummary>();
/** What an import that failed or was cancelled had already written (its summary so far). */
export const partialSummary = (err: unknown): ImportSummary | null => (err && typeof err === "object" ? (landed.get(err) ?? null) : null);
/** More damage than this is not a few broken lines but a file that is not what it claims to be. */
export const MAX_DAMAGED = 10_000;

/** What an uploaded file is, from its bytes: Apple's zip or XML, FIT, GPX or TCX. */
export async function detectFormat(file: string): Promise<ImportFormat> {
  const kind = await sniff(file);
  if (kind === "zip") return "apple_health_export";
  if (kind === "fit") return "fit";
  if (kind === "xml") {
    const handle = await fs.promises.open(file, "r");
    try {
      const buf = Buffer.alloc(16 * 1024);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      // The root element, after the prolog and Apple's long internal DTD.
      const head = buf.subarray(0, bytesRead).toString("utf8").replace(/<!DOCTYPE[\s\S]*?\]>/, "");
      const root = /<(?!\?|!)([\w:]+)/.exec(head)?.[1]?.replace(/^.*:/, "");
      if (root === "gpx") return "gpx";
      if (root === "TrainingCenterDatabase") return "tcx";
      return "apple_health_export";
    } finally {
      await handle.close();
    }
  }
  throw new ImportFileError("Unknown file type: send Apple Health's export.zip or export.xml, or FIT, GPX or TCX activity files.");
}

/** Imports one file of any accepted format. */
export async function importFile(db: Db, userId: string, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  const format = await detectFormat(file);
  if (format === "apple_health_export") return importAppleExport(db, userId, file, opts);
  opts.onProgress?.({ bytes: 0, totalBytes: (await fs.promises.stat(file)).size, records: 0, step: `reading the ${format.toUpperCase()} file` });
  const out = new Collector(opts.now ?? new Date());
  const read = await readActivityFile(file, format === "fit" ? "fit" : "xml", out);
  const batch = out.drain();
  const counts = await upsertBatch(db, userId, batch);
  await reconcileQuietly(db, userId);
  const size = (await fs.promises.stat(file)).size;
  opts.onProgress?.({ bytes: size, totalBytes: size, records: 1, step: "done" });
  return {
    format,
    records: { activity: batch.activities.length, track_points: read.points },
    counts,
    stored: recordCounts(counts).stored,
    duplicates: recordCounts(counts).unchanged,
    unmapped: { count: 0, names: {} },
    refused: { count: out.refusedCount, points: out.refusedList },
    damaged: { count: 0, issues: [] },
    routes: { read: 0, missing: [] },
    warnings: out.warnings,
  };
}

export async function importAppleExport(db: Db, userId: string, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  const flushRows = opts.flushRows ?? DEFAULT_FLUSH_ROWS;
  const out = new FileCollector(opts.now ?? new Date());
  const parser = new AppleExportParser(out);
  const counts = emptyUpsertCounts();
  let records = 0;
  // One batch is written while the next is read (the parser's CPU overlaps the database's wait);
  // never more than one in flight, so memory stays two batches.
  let writing: Promise<void> = Promise.resolve();
  let writingRows = 0;
  const flush = async () => {
    await writing;
    const batch = out.drain();
    writingRows = batch.measurements.length + batch.activities.length + batch.sleepSessions.length + batch.raw.length;
    writing = upsertBatch(db, userId, batch).then((c) => {
      addCounts(counts, c);
      records += writingRows;
      writingRows = 0;
    });
    writing.catch(() => {}); // awaited at the next flush or the end; not an unhandled rejection meanwhile
  };
  let step = "reading export.xml";
  let lastBytes = { bytes: 0, total: 0 };
  const progress = () => opts.onProgress?.({ bytes: lastBytes.bytes, totalBytes: lastBytes.total, records: records + writingRows + out.pending, step });
  let files: Awaited<ReturnType<typeof readAppleExport>> | null = null;
  const summary = (): ImportSummary => ({
    format: "apple_health_export",
    records: Object.fromEntries([...parser.perType].sort((a, b) => b[1] - a[1])),
    counts,
    stored: recordCounts(counts).stored,
    duplicates: out.repeated + recordCounts(counts).unchanged,
    unmapped: { count: [...out.unmapped.values()].reduce((a, b) => a + b, 0), names: Object.fromEntries(out.unmapped) },
    refused: { count: out.refusedCount, points: out.refusedList },
    damaged: { count: parser.issueCount, issues: parser.issues.slice(0, MAX_ISSUES_LISTED) },
    routes: { read: files?.routesRead ?? 0, missing: files?.routesMissing ?? [] },
    warnings: out.warnings,
  });
  try {
    files = await readAppleExport(file, parser, async ({ bytes, total }) => {
      if (opts.signal?.aborted) throw new ImportCancelled();
      if (parser.issueCount > MAX_DAMAGED)
        throw new ImportFileError(
          `More than ${MAX_DAMAGED} damaged spots (first at line ${parser.issues[0]?.line}: ${parser.issues[0]?.reason}); this is not a readable export.xml.`,
        );
      step = `reading export.xml, line ${parser.line}`;
      lastBytes = { bytes, total };
      if (out.pending >= flushRows) await flush();
      progress();
    });
    step = "writing the last rows";
    progress();
    await flush();
    await writing;
    const cut = parser.truncated;
    if (cut) {
      const { stored, unchanged } = recordCounts(counts);
      throw new ImportFileError(
        `${files.exportEntry ?? "export.xml"} ends at line ${cut.line}, column ${cut.column} (after ${lastBytes.bytes.toLocaleString("en-US")} bytes) inside an unclosed <${cut.inside}>: ` +
          `the file is cut short (an interrupted copy or download?). What was read before it landed: ${stored.toLocaleString("en-US")} records stored, ${unchanged.toLocaleString("en-US")} already there. ` +
          `Export again from the Health app and import the new file for the rest (nothing is duplicated).`,
      );
    }
  } catch (err) {
    await writing.catch(() => {});
    landed.set(err as object, summary());
    throw err;
  } finally {
    // Whatever landed (also before a failure or a cancel) gets its daily summaries and reconciled days,
    // planned with statistics that know about the rows just written.
    await analyzeIfLarge(db, counts, opts.analyzeAfterRows ?? BULK_WRITE_ROWS);
    step = "computing daily summaries";
    progress();
    const providers = new Set<BridgeProvider>([...out.days.keys(), ...out.sleepDays.keys()]);
    for (const provider of providers) {
      const daily = await recomputeDaily(db, userId, provider, out.days.get(provider) ?? new Set(), out.sleepDays.get(provider) ?? new Set());
      addCounts(counts, await upsertBatch(db, userId, { dailySummaries: daily }));
    }
    step = "reconciling the days";
    progress();
    await reconcileQuietly(db, userId);
  }
  return summary();
}

/** The tables that took at least `threshold` new or changed rows get fresh planner statistics (the shared sync-run rule). */
async function analyzeIfLarge(db: Db, counts: UpsertCounts, threshold: number): Promise<void> {
  const large = new Set<string>(RECORD_TABLES.filter((t) => counts[t].inserted + counts[t].updated >= threshold));
  const tables = HEALTH_DATA_TABLES.filter((t) => large.has(getTableName(t)));
  if (tables.length) await analyzeAfterBulkWrite(db, tables);
}
