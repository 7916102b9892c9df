import { healthConnectExerciseType } from "../normalize/activity-types";
import { Collector, isNumber, isObject, rest, stableId } from "./collector";
import { localDateAt, offsetFromLocalMidnight, parseBridgeDate, zoneOffsetMinutes } from "../normalize/dates";

/**
 * Android Health Connect bridges → normalized rows (shared/bridges.md §2):
 * - the HC Webhook family (HC Webhook, Life Dashboard Companion): `{timestamp, app_version,
 *   <type>: [records]}` with ISO-8601 UTC times, stage/exercise ints as strings or names;
 * - Health Connect Exports: `{time, data: {steps, active_calories, total_calories,
 *   sleep_duration_seconds}}`, yesterday's totals;
 * - HCGateway's raw records `{data: [record]}` (record type inferred from its fields).
 * None of them sends a time zone, so local days use the `tz` the user put on the URL (else UTC).
 */

const PROVIDER = "health_connect";

type ValueSpec = { type: string; unit: string; fields: string[]; factor?: (v: number) => number };

/** HC Webhook record type → measurement. HRV here is RMSSD (Health Connect's only HRV record). */
export const HC_VALUE_RECORDS: Record<string, ValueSpec> = {
  steps: { type: "steps", unit: "count", fields: ["count"] },
  heart_rate: { type: "heart_rate", unit: "bpm", fields: ["bpm", "avg"] },
  heart_rate_variability: {
    type: "hrv_rmssd",
    unit: "ms",
    fields: ["rmssd_millis", "heart_rate_variability_millis", "avg"],
  },
  resting_heart_rate: { type: "resting_heart_rate", unit: "bpm", fields: ["bpm", "avg"] },
  oxygen_saturation: { type: "spo2", unit: "%", fields: ["percentage", "avg"] },
  weight: { type: "weight", unit: "kg", fields: ["kilograms"] },
  distance: { type: "distance", unit: "m", fields: ["meters"] },
  active_calories: { type: "active_energy", unit: "kcal", fields: ["calories"] },
  total_calories: { type: "total_energy", unit: "kcal", fields: ["calories"] },
  respiratory_rate: { type: "respiratory_rate", unit: "/min", fields: ["rate", "avg"] },
  body_fat: { type: "fat_ratio", unit: "%", fields: ["percentage"] },
  vo2_max: { type: "vo2_max", unit: "mL/kg/min", fields: ["ml_per_kg_per_min"] },
  // Health Connect stores BMR as power; 1 W = 86 400 J/day = 86 400 / 4184 kcal/day.
  basal_metabolic_rate: { type: "basal_metabolic_rate", unit: "kcal/d", fields: ["watts"], factor: (w) => (w * 86400) / 4184 },
  hydration: { type: "hydration", unit: "mL", fields: ["liters"], factor: (l) => l * 1000 },
  height: { type: "height", unit: "m", fields: ["meters"] },
};

/** Record keys that identify the HC Webhook family (mapped ones and known-but-raw ones). */
export const HC_WEBHOOK_KEYS = new Set([...Object.keys(HC_VALUE_RECORDS), "blood_pressure", "sleep", "exercise", "nutrition"]);

export const HC_EXPORTS_FIELDS = ["steps", "active_calories", "total_calories", "sleep_duration_seconds"] as const;

/** SleepSessionRecord.STAGE_TYPE_* (ints, sent as strings by HC Webhook) and Life Dashboard's names. */
const SLEEP_STAGES: Record<string, "awake" | "sleeping" | "out_of_bed" | "light" | "deep" | "rem" | "unknown"> = {
  "0": "unknown",
  "1": "awake",
  "2": "sleeping",
  "3": "out_of_bed",
  "4": "light",
  "5": "deep",
  "6": "rem",
  "7": "awake",
  unknown: "unknown",
  awake: "awake",
  sleeping: "sleeping",
  out_of_bed: "out_of_bed",
  light: "light",
  deep: "deep",
  rem: "rem",
  awake_in_bed: "awake",
};

export class HealthConnectParser {
  private exportsData: Record<string, unknown> = {};
  private exportsTime: unknown = undefined;
  sawExports = false;

  constructor(
    private readonly out: Collector,
    /** IANA zone from the URL, or null (days are then UTC days). */
    private readonly tz: string | null,
  ) {}

  private local(at: Date) {
    const offsetMinutes = this.tz ? zoneOffsetMinutes(this.tz, at) : 0;
    return { date: localDateAt(at, offsetMinutes), offsetMinutes };
  }

  private instant(v: unknown): Date | null {
    const d = parseBridgeDate(v);
    return d && !d.dateOnly ? d.at : null;
  }

  // ───────────── HC Webhook family ─────────────

  record(type: string, rec: unknown): void {
    if (!isObject(rec)) return this.out.skip();
    const spec = HC_VALUE_RECORDS[type];
    if (spec) return this.value(spec, rec);
    if (type === "blood_pressure") return this.bloodPressure(rec);
    if (type === "sleep") return this.sleep(rec);
    if (type === "exercise") return this.exercise(rec);
    this.unmapped(type, rec);
  }

  /** The record's Health Connect id (`metadata.id`), which survives edits; null when not sent. */
  private recordId(rec: Record<string, unknown>): string | null {
    const meta = isObject(rec.metadata) ? rec.metadata : null;
    const id = meta?.id;
    return typeof id === "string" && id.trim() ? id.trim() : null;
  }

  private source(rec: Record<string, unknown>): string | null {
    const meta = isObject(rec.metadata) ? rec.metadata : null;
    const origin = meta?.data_origin ?? meta?.dataOrigin;
    return typeof origin === "string" && origin ? origin : null;
  }

  private value(spec: ValueSpec, rec: Record<string, unknown>): void {
    const at = this.instant(rec.time ?? rec.start_time);
    const field = spec.fields.find((f) => isNumber(rec[f]));
    if (!at || !field) return this.out.skip();
    const given = rec[field] as number;
    const value = spec.factor ? spec.factor(given) : given;
    // Interval records (steps 10:00–10:05) keep their end: overlapping devices are merged by time.
    const end = rec.time === undefined ? this.instant(rec.end_time) : null;
    const raw = rest(rec, [field, rec.time !== undefined ? "time" : "start_time"]);
    if (raw && spec.factor) raw[field] = given;
    this.out.measurement(
      { provider: PROVIDER, type: spec.type, measuredAt: at, endAt: end, value, unit: spec.unit, source: this.source(rec), raw },
      this.local(at),
    );
  }

  private bloodPressure(rec: Record<string, unknown>): void {
    const at = this.instant(rec.time);
    if (!at || (!isNumber(rec.systolic) && !isNumber(rec.diastolic))) return this.out.skip();
    const raw = rest(rec, ["systolic", "diastolic", "time"]);
    for (const [field, type] of [
      ["systolic", "bp_systolic"],
      ["diastolic", "bp_diastolic"],
    ] as const) {
      const v = rec[field];
      if (isNumber(v))
        this.out.measurement(
          { provider: PROVIDER, type, measuredAt: at, value: v, unit: "mmHg", source: this.source(rec), raw },
          this.local(at),
        );
    }
  }

  /** `{session_end_time, duration_seconds, stages[{stage, start_time, end_time, duration_seconds}]}`. */
  private sleep(rec: Record<string, unknown>): void {
    const end = this.instant(rec.session_end_time ?? rec.end_time);
    const stages = (Array.isArray(rec.stages) ? rec.stages : []).flatMap((s) => {
      if (!isObject(s)) return [];
      const start = this.instant(s.start_time);
      const stop = this.instant(s.end_time);
      const kind = SLEEP_STAGES[String(s.stage ?? "").trim().toLowerCase()] ?? "unknown";
      if (!start || !stop) return [];
      const seconds = isNumber(s.duration_seconds) ? s.duration_seconds : (stop.getTime() - start.getTime()) / 1000;
      // Stages that say nothing (0 s, or "unknown") are not recorded stages: a session with only
      // those is one without stages, not one of 0 minutes asleep.
      if (!(seconds > 0) || kind === "unknown") return [];
      return [{ start, kind, seconds }];
    });
    const duration = isNumber(rec.duration_seconds) ? rec.duration_seconds : null;
    // The webhook sends no session start: end − duration, else the first stage's start.
    const start =
      (rec.start_time !== undefined ? this.instant(rec.start_time) : null) ??
      (end && duration !== null ? new Date(end.getTime() - duration * 1000) : null) ??
      (stages.length ? new Date(Math.min(...stages.map((s) => s.start.getTime()))) : null);
    if (!end || !start) {
      this.out.warn("sleep: a session without end time and duration was skipped.");
      return this.out.skip();
    }
    const sum = (...kinds: string[]) => {
      const hit = stages.filter((s) => kinds.includes(s.kind));
      return hit.length ? hit.reduce((a, s) => a + s.seconds, 0) : null;
    };
    const light = sum("light");
    const deep = sum("deep");
    const rem = sum("rem");
    const asleep = stages.length
      ? (sum("light", "deep", "rem", "sleeping") ?? 0)
      : (duration ?? (end.getTime() - start.getTime()) / 1000);
    const { date, offsetMinutes } = this.local(end);
    this.out.sleepSession({
      provider: PROVIDER,
      // Without metadata.id: the start, not the end (what an edit of a night usually moves); an edit
      // that moves the start too is caught by replace-edited.ts.
      externalId: this.recordId(rec) ?? `sleep-start-${start.toISOString()}`,
      startAt: start,
      endAt: end,
      localDate: date,
      utcOffsetMinutes: offsetMinutes,
      inBedS: duration ?? (end.getTime() - start.getTime()) / 1000,
      asleepS: asleep,
      lightS: light,
      deepS: deep,
      remS: rem,
      awakeS: sum("awake"),
      isNap: false,
      source: this.source(rec),
      raw: rec,
    });
  }

  /** `{type, start_time, end_time, duration_seconds, distance_meters?, steps?, …}`. */
  private exercise(rec: Record<string, unknown>): void {
    const start = this.instant(rec.start_time);
    const end = this.instant(rec.end_time);
    if (!start) return this.out.skip();
    const type = healthConnectExerciseType(rec.type ?? rec.exercise_type);
    const { date, offsetMinutes } = this.local(start);
    const title = typeof rec.title === "string" && rec.title ? rec.title : null;
    this.out.activity({
      provider: PROVIDER,
      externalId: this.recordId(rec) ?? stableId("hc", type, start.toISOString()),
      type,
      name: title,
      startAt: start,
      endAt: end,
      localDate: date,
      utcOffsetMinutes: offsetMinutes,
      durationS: isNumber(rec.duration_seconds) ? rec.duration_seconds : end ? (end.getTime() - start.getTime()) / 1000 : null,
      movingS: null,
      distanceM: isNumber(rec.distance_meters) ? rec.distance_meters : null,
      energyKcal: [rec.active_calories, rec.calories, rec.total_calories].find(isNumber) ?? null,
      avgHr: [rec.avg_heart_rate, rec.avg_hr].find(isNumber) ?? null,
      maxHr: [rec.max_heart_rate, rec.max_hr].find(isNumber) ?? null,
      elevationGainM: isNumber(rec.elevation_gained_meters) ? rec.elevation_gained_meters : null,
      steps: isNumber(rec.steps) ? Math.round(rec.steps) : null,
      source: this.source(rec),
      samples: null,
      deletedAt: null,
      raw: rec,
    });
  }

  private unmapped(type: string, rec: Record<string, unknown>): void {
    const meta = isObject(rec.metadata) ? rec.metadata : {};
    const id = typeof meta.id === "string" && meta.id ? meta.id : stableId(type, JSON.stringify(rec));
    this.out.unmappedRecord(type, { provider: PROVIDER, resource: type, externalId: id, payload: rec });
  }

  // ───────────── Health Connect Exports ─────────────

  exportsField(key: string, value: unknown): void {
    this.sawExports = true;
    if (key === "time") this.exportsTime = value;
    else this.exportsData[key] = value;
  }

  finishExports(): void {
    if (!this.sawExports) return;
    const time = this.exportsTime;
    if (!isNumber(time)) {
      this.out.warn("Health Connect Exports payload without a numeric `time` was skipped.");
      return this.out.skip();
    }
    const at = new Date(time);
    // `time` is local midnight of the day the totals cover.
    const offset = this.tz ? zoneOffsetMinutes(this.tz, at) : offsetFromLocalMidnight(time);
    if (!this.tz) this.out.warn("No ?tz= on the URL: the day was inferred from the midnight timestamp.");
    const d = this.exportsData;
    // The app sends 0 for a metric it has no data for, so 0 means "unknown" and must not
    // overwrite a value another source gave for that day.
    const num = (v: unknown) => (isNumber(v) && v !== 0 ? v : null);
    const steps = num(d.steps);
    this.out.dailySummary({
      provider: PROVIDER,
      date: localDateAt(at, offset),
      steps: steps === null ? null : Math.round(steps),
      activeEnergyKcal: num(d.active_calories),
      totalEnergyKcal: num(d.total_calories),
      sleepS: num(d.sleep_duration_seconds),
      raw: { health_connect_exports: { time, ...d } },
    });
  }

  // ───────────── HCGateway raw records ─────────────

  /** One react-native-health-connect record; its type is inferred from its fields. */
  gatewayRecord(rec: unknown): void {
    if (!isObject(rec)) return this.out.skip();
    const source = (() => {
      const meta = isObject(rec.metadata) ? rec.metadata : {};
      return typeof meta.dataOrigin === "string" ? meta.dataOrigin : null;
    })();
    const at = this.instant(rec.time ?? rec.startTime);
    const endAt = rec.time === undefined ? this.instant(rec.endTime) : null;
    const push = (type: string, unit: string, when: Date | null, value: unknown, raw: Record<string, unknown> | null) => {
      if (!when || !isNumber(value)) return this.out.skip();
      this.out.measurement({ provider: PROVIDER, type, measuredAt: when, endAt, value, unit, source, raw }, this.local(when));
    };
    const inner = (k: string, unit: string) => (isObject(rec[k]) ? (rec[k] as Record<string, unknown>)[unit] : undefined);
    if (isNumber(rec.count) && rec.startTime) return push("steps", "count", at, rec.count, rest(rec, ["count", "startTime"]));
    if (isNumber(inner("weight", "inKilograms"))) return push("weight", "kg", at, inner("weight", "inKilograms"), rest(rec, ["weight", "time"]));
    if (isNumber(inner("distance", "inMeters")))
      return push("distance", "m", at, inner("distance", "inMeters"), rest(rec, ["distance", "startTime"]));
    if (isNumber(rec.heartRateVariabilityMillis))
      return push("hrv_rmssd", "ms", at, rec.heartRateVariabilityMillis, rest(rec, ["heartRateVariabilityMillis", "time"]));
    if (isNumber(rec.beatsPerMinute) && rec.time)
      return push("resting_heart_rate", "bpm", at, rec.beatsPerMinute, rest(rec, ["beatsPerMinute", "time"]));
    if (Array.isArray(rec.samples) && rec.samples.some((s) => isObject(s) && isNumber(s.beatsPerMinute))) {
      for (const s of rec.samples)
        if (isObject(s)) push("heart_rate", "bpm", this.instant(s.time), s.beatsPerMinute, null);
      return;
    }
    const meta = isObject(rec.metadata) ? rec.metadata : {};
    const id = typeof meta.id === "string" && meta.id ? meta.id : stableId("hcgateway", JSON.stringify(rec));
    this.out.unmappedRecord("hcgateway_record", { provider: PROVIDER, resource: "hcgateway", externalId: id, payload: rec });
  }
}
