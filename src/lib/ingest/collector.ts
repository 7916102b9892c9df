import { createHash } from "node:crypto";
import type { ActivityRow, DailyRow, MeasurementRow, NormalizedBatch, RawRow, SleepRow } from "@/lib/normalize/types";
import { Plausibility, type Refusal } from "./plausibility";

export type BridgeProvider = "apple_health" | "health_connect";

/** Measurement types that feed a daily_summary column (see daily.ts). */
export const DAILY_TYPES = new Set([
  "steps",
  "distance",
  "active_energy",
  "basal_energy",
  "total_energy",
  "resting_heart_rate",
  "heart_rate",
  "hrv_sdnn",
  "hrv_rmssd",
  "spo2",
  "weight",
]);

const MAX_WARNINGS = 50;
/** Refused points listed by name in the response; the rest are only counted. */
const MAX_REFUSALS_LISTED = 50;

/** A payload that stays valid JSON but would need unbounded memory or time: answered 422 / 408. */
export class IngestLimitError extends Error {
  constructor(
    readonly status: 408 | 422,
    message: string,
    readonly limit: Record<string, number>,
  ) {
    super(message);
    this.name = "IngestLimitError";
  }
}

/**
 * Rows produced while a payload streams in, until the next flush to the database. Also tracks what
 * the whole request touched: days whose summaries must be recomputed, unmapped names, warnings.
 */
export class Collector {
  /** Pending measurements by provider, type and source, then by instant (no key string per row). */
  private measurements = new Map<string, Map<number, MeasurementRow>>();
  private measurementCount = 0;
  private lastGroup: { provider: string; type: string; source: string | null | undefined; rows: Map<number, MeasurementRow> } | null = null;
  private activities: ActivityRow[] = [];
  private sleep: SleepRow[] = [];
  private daily: DailyRow[] = [];
  private raw: RawRow[] = [];
  private warningSet = new Set<string>();
  private extraWarnings = 0;
  readonly unmapped = new Map<string, number>();
  /** Local days per provider whose daily summaries must be recomputed. */
  readonly days = new Map<BridgeProvider, Set<string>>();
  readonly sleepDays = new Map<BridgeProvider, Set<string>>();
  /** Points that repeated an earlier (type, time) in the same flush; the last one is kept. */
  repeated = 0;
  skipped = 0;
  readonly refusedList: Refusal[] = [];
  refusedCount = 0;
  private readonly plausible: Plausibility;
  private sink: ((rows: MeasurementRow[]) => void) | null = null;
  private sinkRows = Infinity;

  /** `now`: the request's time, for the plausibility of dates (see plausibility.ts). */
  constructor(now: Date = new Date()) {
    this.plausible = new Plausibility(now);
  }

  /** True (and recorded) when `refusal` says the row is implausible. */
  private refused(refusal: Refusal | null): boolean {
    if (!refusal) return false;
    this.refusedCount++;
    if (this.refusedList.length < MAX_REFUSALS_LISTED) this.refusedList.push(refusal);
    return true;
  }

  get pending(): number {
    return this.measurementCount + this.activities.length + this.sleep.length + this.daily.length + this.raw.length;
  }

  get warnings(): string[] {
    const list = [...this.warningSet];
    if (this.repeated) list.push(`${this.repeated} data point(s) repeated an earlier one of the same type and time; the last was kept.`);
    if (this.skipped) list.push(`${this.skipped} data point(s) without a usable date or value were skipped.`);
    if (this.extraWarnings) list.push(`…and ${this.extraWarnings} more warning(s).`);
    return list;
  }

  warn(message: string): void {
    if (this.warningSet.has(message)) return;
    if (this.warningSet.size >= MAX_WARNINGS) this.extraWarnings++;
    else this.warningSet.add(message);
  }

  skip(): void {
    this.skipped++;
  }

  /**
   * `day` = the local day and offset of the point (from its own offset); null when it has none, and
   * the upsert then places it in the user's home zone.
   */
  measurement(row: MeasurementRow, day: { date: string; offsetMinutes: number } | null): void {
    if (this.refused(this.plausible.measurement(row))) return;
    if (day) {
      row.localDate = day.date;
      row.utcOffsetMinutes = day.offsetMinutes;
    }
    // iPhone and Watch samples of one minute are two points (the source is part of the key).
    let group = this.lastGroup;
    if (!group || group.provider !== row.provider || group.type !== row.type || group.source !== row.source) {
      const k = `${row.provider}\u0000${row.type}\u0000${row.source ?? ""}`;
      let rows = this.measurements.get(k);
      if (!rows) this.measurements.set(k, (rows = new Map()));
      group = this.lastGroup = { provider: row.provider, type: row.type, source: row.source, rows };
    }
    const at = row.measuredAt.getTime();
    if (group.rows.has(at)) {
      this.repeated++;
      group.rows.delete(at); // the last one wins, in its own place
    } else this.measurementCount++;
    group.rows.set(at, row);
    if (day && DAILY_TYPES.has(row.type)) this.markDay(row.provider as BridgeProvider, day.date);
    if (this.measurementCount >= this.sinkRows) this.sink!(this.takeMeasurements());
  }

  private takeMeasurements(): MeasurementRow[] {
    const rows: MeasurementRow[] = [];
    for (const group of this.measurements.values()) for (const row of group.values()) rows.push(row);
    this.measurements = new Map();
    this.measurementCount = 0;
    this.lastGroup = null;
    return rows;
  }

  /**
   * Hands measurements to `sink` every `rows` of them instead of holding them until the flush, so
   * that row objects die young (a repeated point then counts as updated, as across flushes).
   */
  sinkMeasurements(sink: (rows: MeasurementRow[]) => void, rows: number): void {
    this.sink = sink;
    this.sinkRows = rows;
  }

  private lastDay = "";

  /** A day's summary is the sum of the points whose local day it is (DST days and travel included). */
  markDay(provider: BridgeProvider, date: string): void {
    // Points come in time order, thousands per day: skip the work when nothing changed.
    const mark = `${provider}|${date}`;
    if (mark === this.lastDay) return;
    this.lastDay = mark;
    let days = this.days.get(provider);
    if (!days) this.days.set(provider, (days = new Set()));
    days.add(date);
  }

  activity(row: ActivityRow): void {
    if (this.refused(this.plausible.activity(row))) return;
    this.activities.push(row);
  }

  sleepSession(row: SleepRow): void {
    if (this.refused(this.plausible.sleep(row))) return;
    this.sleep.push(row);
    let days = this.sleepDays.get(row.provider as BridgeProvider);
    if (!days) this.sleepDays.set(row.provider as BridgeProvider, (days = new Set()));
    days.add(row.localDate);
  }

  dailySummary(row: DailyRow): void {
    if (this.refused(this.plausible.daily(row))) return;
    this.daily.push(row);
  }

  /** Keeps a record we cannot map yet, counted under `name` as unmapped. */
  unmappedRecord(name: string, row: RawRow): void {
    this.raw.push(row);
    this.unmapped.set(name, (this.unmapped.get(name) ?? 0) + 1);
  }

  /** Keeps a record as raw that is understood but has no normalized table (e.g. Apple's ActivitySummary). */
  keepRaw(row: RawRow): void {
    this.raw.push(row);
  }

  /** Hands over the pending rows and starts a new buffer. */
  drain(): NormalizedBatch {
    const batch: NormalizedBatch = {
      activities: this.activities,
      sleepSessions: this.sleep,
      dailySummaries: this.daily,
      measurements: this.takeMeasurements(),
      raw: this.raw,
    };
    this.activities = [];
    this.sleep = [];
    this.daily = [];
    this.raw = [];
    return batch;
  }
}

/** A short stable id from parts (for records that carry no id of their own). */
export function stableId(prefix: string, ...parts: Array<string | number | null | undefined>): string {
  return `${prefix}-${createHash("sha256").update(parts.map((p) => p ?? "").join("|")).digest("hex").slice(0, 32)}`;
}

export const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** `{…rest}` of an object without the given keys; null when nothing is left. */
export function rest(obj: Record<string, unknown>, omit: readonly string[]): Record<string, unknown> | null {
  let out: Record<string, unknown> | null = null;
  // for…in over a JSON.parse result: own keys only, and no entry arrays (hot: once per point).
  for (const k in obj) {
    const v = obj[k];
    if (v === undefined || omit.includes(k)) continue;
    (out ??= {})[k] = v;
  }
  return out;
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
