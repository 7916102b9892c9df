import type { dailySummaries } from "@/lib/db/schema";

/**
 * The metrics of the reconciled record: one value per user, local day and metric.
 *
 * - `sum`: a day's total (steps, distance, energy, floors, exercise). Interval samples from several
 *   devices are merged so overlapping time counts once; whole-day totals are never added together.
 * - `mean`: the day's average of one source (resting HR, HRV, SpO2, respiratory rate, VO2max).
 * - `last`: the day's last reading of one source (weight, body fat).
 * - `sleep`: the main sleep ending that day (see episodes.ts).
 *
 * Each metric names the measurement types and daily_summary column it is read from, and the unit
 * its value is in (measurements are stored in SI units; `scale` converts, e.g. seconds → minutes).
 */
export type MetricKind = "sum" | "mean" | "last" | "sleep";
type DailyColumn = keyof typeof dailySummaries.$inferSelect;

export type MetricSpec = {
  label: string;
  kind: MetricKind;
  unit: string;
  /** Measurement types that carry it (several names for one thing across sources). */
  types: readonly string[];
  /** The daily_summary column that carries a provider's whole-day value. */
  daily?: DailyColumn;
  /** Multiplier from the stored unit to `unit`. */
  scale?: number;
  /** Which default source order applies (see priority.ts). */
  family: "movement" | "sleep" | "heart" | "body";
};

export const METRICS = {
  steps: { label: "Steps", kind: "sum", unit: "count", types: ["steps"], daily: "steps", family: "movement" },
  distance: { label: "Distance", kind: "sum", unit: "m", types: ["distance"], daily: "distanceM", family: "movement" },
  active_energy: {
    label: "Active energy",
    kind: "sum",
    unit: "kcal",
    types: ["active_energy"],
    daily: "activeEnergyKcal",
    family: "movement",
  },
  exercise_minutes: { label: "Exercise", kind: "sum", unit: "min", types: ["exercise_time"], scale: 1 / 60, family: "movement" },
  floors: { label: "Floors climbed", kind: "sum", unit: "count", types: ["flights_climbed", "floors"], family: "movement" },
  sleep: { label: "Sleep", kind: "sleep", unit: "s", types: [], family: "sleep" },
  resting_hr: {
    label: "Resting heart rate",
    kind: "mean",
    unit: "bpm",
    types: ["resting_heart_rate"],
    daily: "restingHr",
    family: "heart",
  },
  hrv_rmssd: { label: "HRV (RMSSD)", kind: "mean", unit: "ms", types: ["hrv_rmssd"], daily: "hrvRmssdMs", family: "heart" },
  hrv_sdnn: { label: "HRV (SDNN)", kind: "mean", unit: "ms", types: ["hrv_sdnn"], daily: "hrvSdnnMs", family: "heart" },
  spo2: { label: "Blood oxygen", kind: "mean", unit: "%", types: ["spo2"], daily: "spo2Pct", family: "heart" },
  respiratory_rate: { label: "Respiratory rate", kind: "mean", unit: "/min", types: ["respiratory_rate"], family: "heart" },
  vo2max: { label: "VO2max", kind: "mean", unit: "mL/kg/min", types: ["vo2max", "vo2_max"], family: "heart" },
  weight: { label: "Weight", kind: "last", unit: "kg", types: ["weight"], daily: "weightKg", family: "body" },
  body_fat: { label: "Body fat", kind: "last", unit: "%", types: ["fat_ratio"], family: "body" },
} as const satisfies Record<string, MetricSpec>;

export type MetricId = keyof typeof METRICS;
export const METRIC_IDS = Object.keys(METRICS) as MetricId[];
export const isMetricId = (v: string): v is MetricId => Object.hasOwn(METRICS, v);

/** measurement type → metric, for the types some metric reads. */
export const METRIC_OF_TYPE: ReadonlyMap<string, MetricId> = new Map(
  METRIC_IDS.flatMap((id) => (METRICS[id] as MetricSpec).types.map((t) => [t, id] as const)),
);
export const RECONCILED_TYPES = [...METRIC_OF_TYPE.keys()];
