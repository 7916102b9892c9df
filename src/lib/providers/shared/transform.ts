import { z } from "zod";
import { ACTIVITY_TYPES, haeWorkoutType, type ActivityType } from "@/lib/normalize/activity-types";
import { isTimeZone, localDateAt, parseBridgeDate, zoneOffsetMinutes } from "@/lib/normalize/dates";
import { emptyBatch, type ActivityRow, type DailyRow, type MeasurementRow, type SleepRow } from "@/lib/normalize/types";
import type { Deletion, Skipped, TransformContext, TransformResult } from "./transform-types";
import type { ProviderId } from "@/lib/providers/types";

/** Shared helpers of the provider transforms: units, times and zones, and the batch builder. */

// ───────────────────────── units ─────────────────────────

export const KJ_PER_KCAL = 4.184;
export const kjToKcal = (kj: number): number => kj / KJ_PER_KCAL;

/** Measurement types and the (SI or customary clinical) unit each is stored in. */
export const MEASUREMENT_UNITS = {
  weight: "kg",
  height: "m",
  bmi: "kg/m2",
  fat_ratio: "%",
  fat_mass: "kg",
  fat_free_mass: "kg",
  muscle_mass: "kg",
  bone_mass: "kg",
  hydration: "kg",
  body_water: "%",
  bp_systolic: "mmHg",
  bp_diastolic: "mmHg",
  heart_rate: "bpm",
  resting_heart_rate: "bpm",
  hrv_rmssd: "ms",
  hrv_sdnn: "ms",
  spo2: "%",
  respiratory_rate: "/min",
  body_temperature: "degC",
  skin_temperature: "degC",
  vo2max: "mL/kg/min",
  pulse_wave_velocity: "m/s",
  /** Withings meastype 170: a unitless rating ("without unity" in its reference). */
  visceral_fat: "index",
  /** Withings meastype 226 and Health Connect's BasalMetabolicRateRecord: energy per day. */
  basal_metabolic_rate: "kcal/d",
} as const;
export type MeasurementType = keyof typeof MEASUREMENT_UNITS;

/** A 0–1 fraction as a percentage. */
export const fractionToPct = (f: number): number => f * 100;

// ───────────────────────── times and zones ─────────────────────────

export type ParsedInstant = { at: Date; offsetMinutes: number | null; localDate: string };

/** "+05:30" / "-0500" / "Z" → minutes east of UTC; null when it is not an offset. */
export function parseOffset(value: string): number | null {
  const s = value.trim();
  if (/^(Z|UTC|GMT)$/i.test(s)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(s);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (Number(m[2]) > 14 || Number(m[3] ?? 0) > 59) return null;
  return m[1] === "-" ? -minutes : minutes;
}

/**
 * An ISO-8601 date-time with or without offset ("2024-01-15T08:30:00+01:00", "…Z",
 * "2020-02-20T23:21:30.000"). Without an offset `at` is the wall clock read as UTC and
 * `offsetMinutes` is null: callers then place it with a zone (`inZone`).
 */
export function parseDateTime(value: string): ParsedInstant | null {
  const p = parseBridgeDate(value);
  if (!p || p.dateOnly) return null;
  return { at: p.at, offsetMinutes: p.offsetMinutes, localDate: p.localDate };
}

/** A zone given as an IANA name or a fixed offset. */
export type Zone = { name: string; offsetAt(at: Date): number };

const UTC_ZONE: Zone = { name: "UTC", offsetAt: () => 0 };

export function zoneOf(tz: string | undefined | null): Zone {
  if (!tz) return UTC_ZONE;
  const fixed = parseOffset(tz);
  if (fixed !== null) return { name: tz, offsetAt: () => fixed };
  if (!isTimeZone(tz)) throw new RangeError(`unknown time zone "${tz}"`);
  return { name: tz, offsetAt: (at) => zoneOffsetMinutes(tz, at) };
}

/** The instant at which a zone's wall clock showed `wallAsUtc` (a wall-clock time read as UTC). */
export function wallClockToInstant(wallAsUtc: Date, zone: Zone): { at: Date; offsetMinutes: number } {
  const wall = wallAsUtc.getTime();
  let offset = zone.offsetAt(new Date(wall));
  const second = zone.offsetAt(new Date(wall - offset * 60_000));
  // Near a DST change the first guess can be on the wrong side; the second read settles it.
  if (second !== offset) offset = second;
  return { at: new Date(wall - offset * 60_000), offsetMinutes: offset };
}

/**
 * A date-time as an instant with its offset: the offset written in the value when there is one,
 * otherwise the wall clock placed in `zone`.
 */
export function instantIn(value: string, zone: Zone): { at: Date; offsetMinutes: number } {
  const p = parseDateTime(value);
  if (!p) throw new SkipRecord(`not a date-time: ${JSON.stringify(value)}`);
  if (p.offsetMinutes !== null) return { at: p.at, offsetMinutes: p.offsetMinutes };
  return wallClockToInstant(p.at, zone);
}

/** Parses a date-time that must be valid for the record to be usable. */
export function requireDateTime(value: string, what: string): ParsedInstant {
  const p = parseDateTime(value);
  if (!p) throw new SkipRecord(`${what} is not a date-time: ${JSON.stringify(value)}`);
  return p;
}

/** `yyyy-mm-dd` of an instant at a fixed offset (minutes east of UTC). */
export const localDate = (at: Date, offsetMinutes: number): string => localDateAt(at, offsetMinutes);

/** Epoch seconds → Date. */
export const fromEpochSeconds = (s: number): Date => new Date(s * 1000);

export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");

// ───────────────────────── activity types ─────────────────────────

const RULES: Array<[RegExp, ActivityType]> = [
  // Water sports would otherwise hit the "ski"/"surf" keywords of the bridge rules.
  [/water ?ski|wakeboard|kite ?surf|wind ?surf/i, "other"],
  [/\bride\b|\bbike\b|\bbiking\b|cycl|spinning|velo/i, "cycling"],
  [/treadmill/i, "running"],
  [/weight ?lift|weights\b|\blift/i, "strength_training"],
  [/ski ?touring|nordic|backcountry|\bxc\b/i, "skiing"],
];

/**
 * Maps vendor sport names ("TrailRun", "LAP_SWIMMING", "strengthTraining", "functional-fitness")
 * to our activity types; the first name that maps to something other than "other" wins.
 */
export function activityType(...names: Array<string | null | undefined>): ActivityType {
  for (const name of names) {
    if (!name) continue;
    const words = name
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .replace(/[_\-.]+/g, " ")
      .trim();
    const snake = words.toLowerCase().replace(/\s+/g, "_");
    if ((ACTIVITY_TYPES as readonly string[]).includes(snake) && snake !== "other") return snake as ActivityType;
    const rule = RULES.find(([re]) => re.test(words));
    if (rule) return rule[1];
    const t = haeWorkoutType(words);
    if (t !== "other") return t;
  }
  return "other";
}

// ───────────────────────── batch builder ─────────────────────────

/** Thrown inside a record handler: the record is skipped with this reason. */
export class SkipRecord extends Error {}

type Staged = {
  activities: ActivityRow[];
  sleepSessions: SleepRow[];
  daily: Array<{ date: string; cols: Partial<DailyRow>; rawKey: string; payload: unknown }>;
  measurements: MeasurementRow[];
  raw: Array<{ resource: string; externalId: string; payload: unknown }>;
  deletions: Deletion[];
};

const emptyStage = (): Staged => ({ activities: [], sleepSessions: [], daily: [], measurements: [], raw: [], deletions: [] });

type DailyCols = Omit<DailyRow, "provider" | "date" | "raw">;

/**
 * Collects the rows of one transform call. Handlers stage rows per record; a record's rows land in
 * the batch only when its handler returns, so a record that fails halfway leaves nothing behind.
 */
export class BatchBuilder {
  private readonly batch = emptyBatch();
  private readonly skipped: Skipped[] = [];
  private readonly deletions: Deletion[] = [];
  private readonly daily = new Map<string, DailyRow & { raw: Record<string, unknown> }>();
  private stage: Staged = emptyStage();

  constructor(
    readonly provider: ProviderId,
    readonly resource: string,
  ) {}

  /** `"<provider>:<resource>"`: the key of this transform's part in `daily_summary.raw`. */
  get rawKey(): string {
    return `${this.provider}:${this.resource}`;
  }

  raw(externalId: string, payload: unknown, resource = this.resource): void {
    this.stage.raw.push({ resource, externalId, payload });
  }

  activity(row: Omit<ActivityRow, "provider">): void {
    this.stage.activities.push({ provider: this.provider, ...row });
  }

  sleep(row: Omit<SleepRow, "provider">): void {
    // is_nap is NOT NULL: the upsert writes every column, so a missing value must not become null.
    this.stage.sleepSessions.push({ provider: this.provider, isNap: false, ...row });
  }

  /**
   * Skips non-finite values (a missing reading is no reading). `offsetMinutes`: the reading's own UTC
   * offset when the provider gives one, which decides its local day; without it the user's home zone does.
   */
  measurement(
    type: MeasurementType,
    measuredAt: Date,
    value: number | null | undefined,
    source?: string | null,
    offsetMinutes?: number | null,
  ): void {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    const placed = offsetMinutes === null || offsetMinutes === undefined ? {} : { localDate: localDateAt(measuredAt, offsetMinutes), utcOffsetMinutes: offsetMinutes };
    this.stage.measurements.push({
      provider: this.provider,
      type,
      measuredAt,
      value,
      unit: MEASUREMENT_UNITS[type],
      source: source ?? null,
      ...placed,
    });
  }

  /** This transform's part of the day's summary; null/undefined columns are left out. */
  dailyPart(date: string, cols: Partial<DailyCols>, payload: unknown): void {
    this.stage.daily.push({ date, cols, rawKey: this.rawKey, payload });
  }

  deletion(d: Deletion): void {
    this.stage.deletions.push(d);
  }

  skip(reason: string, record: unknown): void {
    this.skipped.push({ reason, record });
  }

  /** Runs `handle` for every record that passes `schema`; failures are skipped with a reason. */
  each<S extends z.ZodType>(records: unknown[], schema: S, handle: (rec: z.infer<S>, original: unknown) => void): this {
    for (const record of records) {
      const parsed = schema.safeParse(record);
      if (!parsed.success) {
        this.skip(describeIssues(parsed.error), record);
        continue;
      }
      this.stage = emptyStage();
      try {
        handle(parsed.data, record);
      } catch (err) {
        this.skip(err instanceof Error ? err.message : String(err), record);
        continue;
      }
      this.commit();
    }
    this.stage = emptyStage();
    return this;
  }

  private commit(): void {
    const s = this.stage;
    this.batch.activities.push(...s.activities);
    this.batch.sleepSessions.push(...s.sleepSessions);
    this.batch.measurements.push(...s.measurements);
    for (const r of s.raw) this.batch.raw.push({ provider: this.provider, ...r });
    this.deletions.push(...s.deletions);
    for (const part of s.daily) {
      const row = this.daily.get(part.date) ?? { provider: this.provider, date: part.date, raw: {} };
      for (const [k, v] of Object.entries(part.cols)) if (v !== null && v !== undefined) (row as Record<string, unknown>)[k] = v;
      row.raw[part.rawKey] = part.payload;
      this.daily.set(part.date, row);
    }
  }

  result(): TransformResult {
    return {
      batch: { ...this.batch, dailySummaries: [...this.daily.values()] },
      skipped: this.skipped,
      deletions: this.deletions,
    };
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "record"}: ${i.message}`)
    .join("; ");
}

/** Resolves ctx.timezone once per call (an unknown zone is the caller's bug: it throws). */
export function ctxZone(ctx: TransformContext | undefined): Zone {
  return zoneOf(ctx?.timezone);
}

// ───────────────────────── zod shorthands ─────────────────────────

export const optNum = z.number().nullish();
export const optStr = z.string().nullish();
/** A record id that may be a number or a string; always used as a string. */
export const anyId = z.union([z.string().min(1), z.number()]).transform(String);

/** `x ?? null` for optional numbers, so rows carry null rather than undefined. */
export const n = (v: number | null | undefined): number | null => (v === undefined || v === null || !Number.isFinite(v) ? null : v);

/** ISO-8601 duration ("PT2H44M", "PT1H2M3.5S", "P1DT2H") in seconds; null when it is not one. */
export function isoDurationSeconds(value: string): number | null {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value.trim());
  if (!m || value.trim() === "P" || value.trim().endsWith("T")) return null;
  const [, d, h, mi, s] = m;
  return Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0);
}
