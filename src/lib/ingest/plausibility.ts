import type { ActivityRow, DailyRow, MeasurementRow, NormalizedBatch, SleepRow } from "@/lib/normalize/types";

/**
 * Plausibility of what the phone bridges push. The rule: a point is stored only when its instant
 * lies between 2000-01-01 and one day after the request (clock skew, time zones), and its value,
 * in our canonical unit, lies in the range below for its type (types without a range must be a
 * finite number, and not negative where negative makes no sense). An implausible point is refused
 * by name in the response (`refused`) and the rest of the request lands. The ranges are wide on
 * purpose: they catch broken sensors, unit mix-ups and hostile input, never a real body.
 * The same rule screens what provider syncs and pushes bring (`screen`), relative to when the
 * rows are stored.
 */

export const EARLIEST = Date.UTC(2000, 0, 1);
const FUTURE_SLACK_MS = 24 * 3600_000;

type Range = { min: number; max: number; unit: string };
const r = (min: number, max: number, unit: string): Range => ({ min, max, unit });

/** Per measurement type, canonical units (one point, not a day's total). */
export const MEASUREMENT_RANGES: Record<string, Range> = {
  steps: r(0, 100_000, "steps"),
  distance: r(0, 1_000_000, "m"),
  active_energy: r(0, 20_000, "kcal"),
  basal_energy: r(0, 20_000, "kcal"),
  total_energy: r(0, 30_000, "kcal"),
  basal_metabolic_rate: r(300, 10_000, "kcal/d"),
  flights_climbed: r(0, 1_000, "flights"),
  exercise_time: r(0, 86_400, "s"),
  stand_hours: r(0, 24, "hours"),
  stand_time: r(0, 86_400, "s"),
  heart_rate: r(20, 300, "bpm"),
  resting_heart_rate: r(20, 250, "bpm"),
  walking_heart_rate: r(20, 300, "bpm"),
  hrv_sdnn: r(1, 1_000, "ms"),
  hrv_rmssd: r(1, 1_000, "ms"),
  spo2: r(50, 100, "%"),
  respiratory_rate: r(1, 100, "/min"),
  vo2_max: r(5, 100, "mL/kg/min"),
  weight: r(1, 700, "kg"),
  lean_body_mass: r(1, 700, "kg"),
  fat_ratio: r(1, 80, "%"),
  bmi: r(5, 150, "kg/m2"),
  height: r(0.3, 2.8, "m"),
  glucose: r(0.5, 60, "mmol/L"),
  body_temperature: r(25, 45, "°C"),
  wrist_temperature: r(20, 45, "°C"),
  bp_systolic: r(40, 300, "mmHg"),
  bp_diastolic: r(20, 200, "mmHg"),
  hydration: r(0, 20_000, "mL"),
};

/** Anything else: finite, and within ±1e9 (dietary values, unknown types). */
const FALLBACK = r(-1e9, 1e9, "");

export type Refusal = { type: string; at: string | null; value: number | null; reason: string };

export class Plausibility {
  private readonly latest: number;
  constructor(now: Date) {
    this.latest = now.getTime() + FUTURE_SLACK_MS;
  }

  /** Why `at` is not plausible, or null. */
  date(at: Date | null | undefined): string | null {
    if (!at) return null;
    const t = at.getTime();
    if (!Number.isFinite(t)) return "the date is not valid";
    if (t < EARLIEST) return `the date ${at.toISOString().slice(0, 10)} is before 2000-01-01`;
    if (t > this.latest) return `the date ${at.toISOString().slice(0, 10)} is in the future`;
    return null;
  }

  private value(type: string, value: number | null | undefined, range = MEASUREMENT_RANGES[type]): string | null {
    if (value === null || value === undefined) return null;
    const { min, max, unit } = range ?? (type.startsWith("dietary_") ? r(0, 1e9, "") : FALLBACK);
    if (!Number.isFinite(value)) return `${type} is not a finite number`;
    if (value < min || value > max) return `${type} must be between ${min} and ${max}${unit ? ` ${unit}` : ""} (got ${value})`;
    return null;
  }

  measurement(row: MeasurementRow): Refusal | null {
    const reason = this.date(row.measuredAt) ?? this.value(row.type, row.value);
    return reason ? { type: row.type, at: iso(row.measuredAt), value: row.value, reason } : null;
  }

  activity(row: ActivityRow): Refusal | null {
    const reason =
      this.date(row.startAt) ??
      this.date(row.endAt) ??
      this.value("duration", row.durationS, r(0, 7 * 86_400, "s")) ??
      this.value("distance", row.distanceM, r(0, 10_000_000, "m")) ??
      this.value("energy", row.energyKcal, r(0, 100_000, "kcal")) ??
      this.value("avg_hr", row.avgHr, MEASUREMENT_RANGES.heart_rate) ??
      this.value("max_hr", row.maxHr, MEASUREMENT_RANGES.heart_rate) ??
      this.value("steps", row.steps, r(0, 1_000_000, "steps"));
    return reason ? { type: `activity:${row.type}`, at: iso(row.startAt), value: null, reason } : null;
  }

  sleep(row: SleepRow): Refusal | null {
    const span = r(0, 2 * 86_400, "s");
    const reason =
      this.date(row.startAt) ??
      this.date(row.endAt) ??
      this.value("in_bed", row.inBedS, span) ??
      this.value("asleep", row.asleepS, span);
    return reason ? { type: "sleep", at: iso(row.startAt), value: null, reason } : null;
  }

  daily(row: DailyRow): Refusal | null {
    const reason =
      this.date(new Date(`${row.date}T12:00:00Z`)) ??
      this.value("steps", row.steps, r(0, 1_000_000, "steps per day")) ??
      this.value("active_energy", row.activeEnergyKcal, r(0, 30_000, "kcal per day")) ??
      this.value("total_energy", row.totalEnergyKcal, r(0, 40_000, "kcal per day")) ??
      this.value("sleep", row.sleepS, r(0, 86_400, "s per day")) ??
      this.value("resting_heart_rate", row.restingHr, MEASUREMENT_RANGES.resting_heart_rate) ??
      this.value("hrv_rmssd", row.hrvRmssdMs, MEASUREMENT_RANGES.hrv_rmssd) ??
      this.value("hrv_sdnn", row.hrvSdnnMs, MEASUREMENT_RANGES.hrv_sdnn) ??
      this.value("weight", row.weightKg, MEASUREMENT_RANGES.weight);
    return reason ? { type: "daily_summary", at: row.date, value: null, reason } : null;
  }

  /** The batch without its implausible rows (raw records kept), and why each was refused. */
  screen(batch: Partial<NormalizedBatch>): Screened {
    const refused: Refusal[] = [];
    const keep = <T>(rows: T[] | undefined, check: (row: T) => Refusal | null): T[] | undefined =>
      rows?.filter((row) => {
        const why = check(row);
        if (why) refused.push(why);
        return !why;
      });
    return {
      batch: {
        ...batch,
        activities: keep(batch.activities, (row) => this.activity(row)),
        sleepSessions: keep(batch.sleepSessions, (row) => this.sleep(row)),
        dailySummaries: keep(batch.dailySummaries, (row) => this.daily(row)),
        measurements: keep(batch.measurements, (row) => this.measurement(row)),
      },
      refused,
    };
  }
}

/** A normalized batch without its implausible rows, and why each refused row was refused. */
export type Screened = { batch: Partial<NormalizedBatch>; refused: Refusal[] };

const iso = (d: Date | null | undefined) => (d && Number.isFinite(d.getTime()) ? d.toISOString() : null);
