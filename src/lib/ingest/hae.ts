import { haeWorkoutType } from "../normalize/activity-types";
import { Collector, IngestLimitError, isNumber, isObject, rest, stableId } from "./collector";
import { localDateAt, parseBridgeDate, type ParsedDate } from "../normalize/dates";
import { CANONICAL, convert, percentFromMaybeFraction, type Dimension } from "./units";

/**
 * Health Auto Export (iOS) → normalized rows. The payload is `{data: {metrics, workouts, …}}`; the
 * router feeds metric headers and points one at a time (they can be millions), whole workouts, and
 * elements of the other arrays. See shared/bridges.md §1 for the shapes.
 */

const PROVIDER = "apple_health";

type MetricSpec = { type: string; dim: Dimension; unit?: string; fraction?: boolean };

/** HAE metric name → measurement type. Names from the vendor's MetricName enum (bridges.md §1.3). */
export const HAE_METRICS: Record<string, MetricSpec> = {
  step_count: { type: "steps", dim: "count" },
  active_energy: { type: "active_energy", dim: "energy" },
  basal_energy_burned: { type: "basal_energy", dim: "energy" },
  walking_running_distance: { type: "distance", dim: "length" },
  flights_climbed: { type: "flights_climbed", dim: "count" },
  apple_exercise_time: { type: "exercise_time", dim: "duration" },
  apple_stand_hour: { type: "stand_hours", dim: "count" },
  apple_stand_time: { type: "stand_time", dim: "duration" },
  resting_heart_rate: { type: "resting_heart_rate", dim: "rate", unit: "bpm" },
  walking_heart_rate_average: { type: "walking_heart_rate", dim: "rate", unit: "bpm" },
  walking_heart_rate: { type: "walking_heart_rate", dim: "rate", unit: "bpm" },
  // HAE only exports SDNN (no RMSSD yet, vendor issue #75): kept as SDNN, never mixed with RMSSD.
  heart_rate_variability: { type: "hrv_sdnn", dim: "milliseconds" },
  blood_oxygen_saturation: { type: "spo2", dim: "percent", fraction: true },
  respiratory_rate: { type: "respiratory_rate", dim: "rate" },
  vo2_max: { type: "vo2_max", dim: "vo2" },
  weight_body_mass: { type: "weight", dim: "mass" },
  body_fat_percentage: { type: "fat_ratio", dim: "percent", fraction: true },
  body_mass_index: { type: "bmi", dim: "bmi" },
  lean_body_mass: { type: "lean_body_mass", dim: "mass" },
  height: { type: "height", dim: "length" },
  blood_glucose: { type: "glucose", dim: "glucose" },
  body_temperature: { type: "body_temperature", dim: "temperature" },
  apple_sleeping_wrist_temperature: { type: "wrist_temperature", dim: "temperature" },
};

/** `dietary_*` metrics: the dimension follows the unit (kcal, g/mg, mL/fl oz). */
function dietarySpec(name: string, units: unknown): MetricSpec | null {
  if (!name.startsWith("dietary_")) return null;
  for (const dim of ["energy", "grams", "volume", "count"] as const)
    if (convert(1, units, dim) !== null) return { type: name, dim };
  return null;
}

/** Unaggregated sleep segments further apart than this belong to different sessions. */
export const SLEEP_SESSION_GAP_MS = 60 * 60 * 1000;

/** HAE top-level arrays under `data`. Only metrics and workouts are mapped; the rest is kept raw. */
export const HAE_ARRAYS = [
  "metrics",
  "workouts",
  "stateOfMind",
  "medications",
  "symptoms",
  "cycleTracking",
  "ecg",
  "heartRateNotifications",
] as const;

/**
 * Memory bounds, whatever the key order. A metric's points can only be mapped once its `name` and
 * `units` are known; points that come before them are held, at most this many, and a metric that
 * sends more is refused with 422 (HAE itself writes name and units first; nothing is spilled to
 * disk). Sleep entries are grouped into nights when their metric ends, so they are held too.
 */
export const MAX_POINTS_BEFORE_HEADER = 10_000;
export const MAX_SLEEP_ENTRIES = 200_000;

type MetricState = { name?: string; units?: unknown; hasUnits: boolean; pending: unknown[]; sleep: unknown[] };

export class HaeParser {
  private metrics = new Map<number, MetricState>();
  readonly workoutVersions = new Set<1 | 2>();
  private warnedNoOffset = false;

  constructor(private readonly out: Collector) {}

  header(index: number, key: string, value: unknown): void {
    const m = this.state(index);
    if (key === "name" && typeof value === "string") m.name = value;
    else if (key === "units") {
      m.units = value;
      m.hasUnits = true;
    } else return;
    // Points that came before the header (unusual key order) wait until name and units are known.
    if (m.name && m.hasUnits && m.pending.length) {
      const pending = m.pending;
      m.pending = [];
      for (const p of pending) this.point(index, p);
    }
  }

  point(index: number, point: unknown): void {
    const m = this.state(index);
    if (!m.name || !m.hasUnits) {
      if (m.pending.length >= MAX_POINTS_BEFORE_HEADER)
        throw new IngestLimitError(
          422,
          `data.metrics[${index}] sent more than ${MAX_POINTS_BEFORE_HEADER} data points before its "name" and "units"; ` +
            `put "name" and "units" before "data" (as Health Auto Export does). Nothing was written.`,
          { max_points_before_header: MAX_POINTS_BEFORE_HEADER },
        );
      m.pending.push(point);
      return;
    }
    if (!isObject(point)) return this.out.skip();
    const name = m.name;
    if (name === "sleep_analysis") {
      if (m.sleep.length >= MAX_SLEEP_ENTRIES)
        throw new IngestLimitError(
          422,
          `data.metrics[${index}] (sleep_analysis) has more than ${MAX_SLEEP_ENTRIES} entries; split the export. Nothing was written.`,
          { max_sleep_entries: MAX_SLEEP_ENTRIES },
        );
      m.sleep.push(point);
    }
    else if (name === "heart_rate") this.heartRate(point, m.units);
    else if (name === "blood_pressure") this.bloodPressure(point, m.units);
    else {
      const spec = HAE_METRICS[name] ?? dietarySpec(name, point.units ?? m.units);
      if (spec) this.quantity(name, spec, point, m.units);
      else this.unmapped(name, point, m.units);
    }
  }

  closeMetric(index: number): void {
    const m = this.metrics.get(index);
    this.metrics.delete(index);
    if (!m) return;
    if (m.pending.length) {
      if (!m.name) {
        this.out.warn("A metric without a name was skipped.");
        this.out.skipped += m.pending.length;
        return;
      }
      m.hasUnits = true;
      const pending = m.pending;
      m.pending = [];
      for (const p of pending) this.point(index, p);
    }
    if (m.sleep.length) this.sleep(m.sleep as Record<string, unknown>[], m.units);
  }

  private state(index: number): MetricState {
    let m = this.metrics.get(index);
    if (!m) this.metrics.set(index, (m = { hasUnits: false, pending: [], sleep: [] }));
    return m;
  }

  private date(value: unknown): ParsedDate | null {
    const d = parseBridgeDate(value);
    if (d && d.offsetMinutes === null && !d.dateOnly && !this.warnedNoOffset) {
      this.warnedNoOffset = true;
      this.out.warn("Some dates had no UTC offset; they were read as UTC.");
    }
    return d;
  }

  private day(d: ParsedDate) {
    return { date: d.localDate, offsetMinutes: d.offsetMinutes ?? 0 };
  }

  private quantity(name: string, spec: MetricSpec, point: Record<string, unknown>, metricUnits: unknown): void {
    const d = this.date(point.date);
    const qty = point.qty;
    if (!d || !isNumber(qty)) return this.out.skip();
    const units = point.units ?? metricUnits;
    let value = convert(qty, units, spec.dim);
    if (value === null) {
      this.out.warn(`${name}: unit ${JSON.stringify(units)} is not recognised; its points were kept raw.`);
      return this.unmapped(name, point, metricUnits);
    }
    if (spec.fraction) value = percentFromMaybeFraction(value);
    const { source, sources } = splitSource(point.source);
    const raw = rest(point, ["date", "qty", "source", "units"]) ?? {};
    if (value !== qty) Object.assign(raw, { qty, units });
    if (sources.length > 1) raw.sources = [...sources]; // a copy: splitSource shares its answer
    this.out.measurement(
      {
        provider: PROVIDER,
        type: spec.type,
        measuredAt: d.at,
        value,
        unit: spec.unit ?? CANONICAL[spec.dim],
        source,
        raw: Object.keys(raw).length ? raw : null,
      },
      this.day(d),
    );
  }

  private heartRate(point: Record<string, unknown>, metricUnits: unknown): void {
    const d = this.date(point.date);
    const units = point.units ?? metricUnits;
    const avg = pick(point.Avg, point.avg, point.qty);
    if (!d || avg === undefined) return this.out.skip();
    const value = convert(avg, units, "rate");
    if (value === null) {
      this.out.warn(`heart_rate: unit ${JSON.stringify(units)} is not recognised; its points were kept raw.`);
      return this.unmapped("heart_rate", point, metricUnits);
    }
    const min = pick(point.Min, point.min);
    const max = pick(point.Max, point.max);
    const { source, sources } = splitSource(point.source);
    const raw = rest(point, ["date", "Min", "Avg", "Max", "min", "avg", "max", "qty", "source", "units"]) ?? {};
    // Aggregation off gives Min == Avg == Max: then the one value says it all.
    if (min !== undefined && min !== avg) raw.min = convert(min, units, "rate");
    if (max !== undefined && max !== avg) raw.max = convert(max, units, "rate");
    if (sources.length > 1) raw.sources = [...sources]; // a copy: splitSource shares its answer
    this.out.measurement(
      {
        provider: PROVIDER,
        type: "heart_rate",
        measuredAt: d.at,
        value,
        unit: "bpm",
        source,
        raw: Object.keys(raw).length ? raw : null,
      },
      this.day(d),
    );
  }

  private bloodPressure(point: Record<string, unknown>, metricUnits: unknown): void {
    const d = this.date(point.date);
    if (!d || (!isNumber(point.systolic) && !isNumber(point.diastolic))) return this.out.skip();
    const units = point.units ?? metricUnits;
    const { source, sources } = splitSource(point.source);
    const extra = rest(point, ["date", "systolic", "diastolic", "source", "units"]) ?? {};
    if (sources.length > 1) extra.sources = [...sources];
    for (const [field, type] of [
      ["systolic", "bp_systolic"],
      ["diastolic", "bp_diastolic"],
    ] as const) {
      const v = point[field];
      if (!isNumber(v)) continue;
      const value = convert(v, units, "pressure");
      if (value === null) {
        this.out.warn(`blood_pressure: unit ${JSON.stringify(units)} is not recognised; its points were kept raw.`);
        return this.unmapped("blood_pressure", point, metricUnits);
      }
      const raw = { ...extra, ...(value !== v ? { [field]: v, units } : {}) };
      this.out.measurement(
        {
          provider: PROVIDER,
          type,
          measuredAt: d.at,
          value,
          unit: "mmHg",
          source,
          raw: Object.keys(raw).length ? raw : null,
        },
        this.day(d),
      );
    }
  }

  private unmapped(name: string, point: unknown, units: unknown): void {
    const p = isObject(point) ? point : { value: point };
    const d = parseBridgeDate(p.date ?? p.startDate);
    const { source } = splitSource(p.source);
    this.out.unmappedRecord(name, {
      provider: PROVIDER,
      resource: `metric:${name}`,
      externalId: `${d ? d.at.toISOString() : String(p.date ?? p.startDate ?? stableId("point", JSON.stringify(p)))}|${source ?? ""}`,
      payload: { units, ...p },
    });
  }

  // ───────────── sleep ─────────────

  private sleep(points: Record<string, unknown>[], units: unknown): void {
    const perUnit = convert(1, units ?? "hr", "duration");
    const segments = points.filter((p) => p.startDate !== undefined && p.endDate !== undefined);
    const aggregated = points.filter((p) => p.startDate === undefined);
    if (perUnit === null) {
      this.out.warn(`sleep_analysis: unit ${JSON.stringify(units)} is not recognised; its entries were kept raw.`);
      for (const p of points) this.unmapped("sleep_analysis", p, units);
      return;
    }
    for (const p of aggregated) this.aggregatedSleep(p, perUnit);
    if (segments.length) this.segmentedSleep(segments);
  }

  /** v1 `{asleep, sleepStart, …, inBed…}` and v2 `{totalSleep, asleep, core, deep, rem, awake, …}`. */
  private aggregatedSleep(p: Record<string, unknown>, perUnit: number): void {
    // `inBed: 0` next to hours asleep: the phone recorded no time in bed (a band alone), so it is
    // unknown, not 0 s, and its in-bed times (if any) bound nothing.
    const inBed = isNumber(p.inBed) && p.inBed > 0 ? p.inBed * perUnit : null;
    const inBedTimes = p.inBed === 0 ? [] : [p.inBedStart, p.inBedEnd];
    const starts = [p.sleepStart, inBedTimes[0]].map((v) => this.date(v)).filter((d): d is ParsedDate => !!d && !d.dateOnly);
    const ends = [p.sleepEnd, inBedTimes[1]].map((v) => this.date(v)).filter((d): d is ParsedDate => !!d && !d.dateOnly);
    if (!starts.length || !ends.length) {
      this.out.warn("sleep_analysis: an entry without start and end times was skipped.");
      return this.out.skip();
    }
    const start = starts.reduce((a, b) => (b.at < a.at ? b : a));
    const end = ends.reduce((a, b) => (b.at > a.at ? b : a));
    const s = (v: unknown) => (isNumber(v) ? v * perUnit : null);
    const staged = (s(p.core) ?? 0) + (s(p.deep) ?? 0) + (s(p.rem) ?? 0);
    // `totalSleep` when given; otherwise the larger of `asleep` and the staged sum, so an `asleep`
    // that already is the total (v1, stage-less v2) is never added to the stages twice.
    const asleep = s(p.totalSleep) ?? (s(p.asleep) === null && !staged ? null : Math.max(s(p.asleep) ?? 0, staged));
    // Sleep without a second in any stage comes from a source that records no stages (a band, an
    // older watch): its zeros are "not recorded", stored as unknown (null), never as 0 minutes.
    const stageless = !!asleep && !staged;
    const stage = (v: unknown) => (stageless && v === 0 ? null : s(v));
    const [core, deep, rem] = [stage(p.core), stage(p.deep), stage(p.rem)];
    const offset = end.offsetMinutes ?? 0;
    const localDate = localDateAt(end.at, offset);
    this.out.sleepSession({
      provider: PROVIDER,
      externalId: `night-${localDate}`,
      startAt: start.at,
      endAt: end.at,
      localDate,
      utcOffsetMinutes: offset,
      inBedS: inBed,
      asleepS: asleep,
      lightS: core,
      deepS: deep,
      remS: rem,
      awakeS: stage(p.awake),
      isNap: false,
      source: splitSource(p.source ?? p.sleepSource ?? p.inBedSource).source,
      raw: p,
    });
  }

  /** Summarize-off segments `{startDate, endDate, value: Core|Deep|REM|Awake|Asleep|In Bed|…}`. */
  private segmentedSleep(points: Record<string, unknown>[]): void {
    type Seg = { start: ParsedDate; end: ParsedDate; value: string; source: string | null };
    const segs: Seg[] = [];
    for (const p of points) {
      const start = this.date(p.startDate);
      const end = this.date(p.endDate);
      if (!start || !end || end.at < start.at) {
        this.out.skip();
        continue;
      }
      segs.push({ start, end, value: String(p.value ?? "").toLowerCase(), source: splitSource(p.source).source });
    }
    segs.sort((a, b) => a.start.at.getTime() - b.start.at.getTime());
    const groups: Seg[][] = [];
    let groupEnd = -Infinity;
    for (const seg of segs) {
      if (seg.start.at.getTime() - groupEnd > SLEEP_SESSION_GAP_MS) groups.push([]);
      groups[groups.length - 1].push(seg);
      groupEnd = Math.max(groupEnd, seg.end.at.getTime());
    }
    const sessions = groups.map((g) => {
      const sum = (values: string[]) => {
        const hit = g.filter((x) => values.includes(x.value));
        return hit.length ? hit.reduce((acc, x) => acc + (x.end.at.getTime() - x.start.at.getTime()) / 1000, 0) : null;
      };
      const start = g[0].start;
      const end = g.reduce((a, b) => (b.end.at > a.end.at ? b : a)).end;
      const offset = end.offsetMinutes ?? 0;
      const light = sum(["core", "light"]);
      const deep = sum(["deep"]);
      const rem = sum(["rem"]);
      const unspecified = sum(["asleep", "unspecified", "asleepunspecified"]);
      const asleep = [light, deep, rem, unspecified].some((x) => x !== null)
        ? (light ?? 0) + (deep ?? 0) + (rem ?? 0) + (unspecified ?? 0)
        : null;
      const sources = [...new Set(g.map((x) => x.source).filter((x): x is string => !!x))];
      return {
        start,
        end,
        offset,
        localDate: localDateAt(end.at, offset),
        span: (end.at.getTime() - start.at.getTime()) / 1000,
        row: { lightS: light, deepS: deep, remS: rem, awakeS: sum(["awake"]), asleepS: asleep },
        source: g.find((x) => x.value !== "in bed")?.source ?? sources[0] ?? null,
        raw: { segments: g.length, sources },
      };
    });
    // The longest session ending on a day is that night; any other one ending that day is a nap.
    const longest = new Map<string, (typeof sessions)[number]>();
    for (const s of sessions) {
      const best = longest.get(s.localDate);
      if (!best || s.span > best.span) longest.set(s.localDate, s);
    }
    for (const s of sessions) {
      const isNap = longest.get(s.localDate) !== s;
      this.out.sleepSession({
        provider: PROVIDER,
        externalId: isNap ? `nap-${s.start.at.toISOString()}` : `night-${s.localDate}`,
        startAt: s.start.at,
        endAt: s.end.at,
        localDate: s.localDate,
        utcOffsetMinutes: s.offset,
        inBedS: s.span,
        ...s.row,
        isNap,
        source: s.source,
        raw: s.raw,
      });
    }
  }

  // ───────────── workouts ─────────────

  workout(w: unknown): void {
    if (!isObject(w)) return this.out.skip();
    const start = this.date(w.start);
    const end = this.date(w.end);
    if (!start || start.dateOnly) {
      this.out.warn("A workout without a valid start was skipped.");
      return this.out.skip();
    }
    const v2 = typeof w.id === "string" && w.id.trim() !== "";
    this.workoutVersions.add(v2 ? 2 : 1);
    // v1 has no id: name + start, never the end or a value an edit in Apple Health can change
    // (replace-edited.ts catches an edit that moves the start).
    const externalId = v2 ? (w.id as string).trim() : stableId("v1", typeof w.name === "string" ? w.name : "", start.at.toISOString());
    const q = (v: unknown, dim: Dimension) => this.quantityOf(v, dim);
    const hr = isObject(w.heartRate) ? w.heartRate : {};
    const elevation = isObject(w.elevation) ? w.elevation : null;
    let durationS: number | null = null;
    if (isNumber(w.duration)) durationS = w.duration;
    else if (isObject(w.duration)) durationS = q(w.duration, "duration");
    else if (end) durationS = (end.at.getTime() - start.at.getTime()) / 1000;
    let steps: number | null = null;
    if (isObject(w.stepCount)) steps = q(w.stepCount, "count");
    else if (Array.isArray(w.stepCount))
      steps = w.stepCount.reduce((acc: number, p) => acc + (isObject(p) && isNumber(p.qty) ? p.qty : 0), 0);
    const offset = start.offsetMinutes ?? 0;
    this.out.activity({
      provider: PROVIDER,
      externalId,
      type: haeWorkoutType(w.name),
      name: typeof w.name === "string" ? w.name : null,
      startAt: start.at,
      endAt: end && !end.dateOnly ? end.at : null,
      localDate: localDateAt(start.at, offset),
      utcOffsetMinutes: offset,
      durationS,
      movingS: null,
      distanceM: q(w.distance, "length"),
      energyKcal:
        q(w.activeEnergyBurned, "energy") ?? (isObject(w.activeEnergy) ? q(w.activeEnergy, "energy") : null) ?? q(w.totalEnergy, "energy"),
      avgHr: q(hr.avg, "rate") ?? q(w.avgHeartRate, "rate"),
      maxHr: q(hr.max, "rate") ?? q(w.maxHeartRate, "rate"),
      elevationGainM:
        q(w.elevationUp, "length") ??
        (elevation && isNumber(elevation.ascent) ? convert(elevation.ascent, elevation.units, "length") : null),
      steps: steps === null ? null : Math.round(steps),
      source: null,
      samples: this.samples(w, end),
      deletedAt: null,
      raw: rest(w, Object.keys(w).filter((k) => Array.isArray(w[k]))) ?? {},
    });
  }

  /** `{qty, units}` → canonical unit; null when absent, warns on an unknown unit. */
  private quantityOf(v: unknown, dim: Dimension): number | null {
    if (!isObject(v) || !isNumber(v.qty)) return null;
    const value = convert(v.qty, v.units, dim);
    if (value === null) this.out.warn(`Workout value with unit ${JSON.stringify(v.units)} is not recognised; it was kept raw only.`);
    return value;
  }

  private samples(w: Record<string, unknown>, end: ParsedDate | null): Record<string, unknown> | null {
    const hrSeries = (v: unknown) =>
      (Array.isArray(v) ? v : []).flatMap((p) => {
        if (!isObject(p)) return [];
        const d = parseBridgeDate(p.date);
        const avg = [p.Avg, p.avg, p.qty].find(isNumber);
        if (!d || avg === undefined) return [];
        const bpm = convert(avg, p.units ?? "bpm", "rate") ?? avg;
        const out: HeartRateSample = { t: d.at.toISOString(), bpm };
        const min = [p.Min, p.min].find(isNumber);
        const max = [p.Max, p.max].find(isNumber);
        if (min !== undefined && min !== avg) out.min = min;
        if (max !== undefined && max !== avg) out.max = max;
        return [out];
      });
    let heartRate = hrSeries(w.heartRateData);
    let recovery = hrSeries(w.heartRateRecovery);
    // Vendor bug #60: the recovery series (flat Min==Avg==Max, from the end on) arrives as
    // heartRateData while heartRateRecovery is missing. Re-label it.
    if (
      !recovery.length &&
      heartRate.length &&
      end &&
      heartRate.every((p) => p.min === undefined && p.max === undefined && Date.parse(p.t) >= end.at.getTime())
    ) {
      recovery = heartRate;
      heartRate = [];
      this.out.warn("A workout's heartRateData held only its recovery series (HAE bug #60); it was stored as heart_rate_recovery.");
    }
    const route = (Array.isArray(w.route) ? w.route : []).flatMap((p) => {
      if (!isObject(p)) return [];
      const lat = p.latitude ?? p.lat;
      const lon = p.longitude ?? p.lon;
      const d = parseBridgeDate(p.timestamp ?? p.date);
      if (!isNumber(lat) || !isNumber(lon) || !d) return [];
      const out: RoutePoint = { t: d.at.toISOString(), lat, lon };
      if (isNumber(p.altitude)) out.alt_m = p.altitude;
      // CLLocation marks an invalid speed/course/accuracy with a negative value.
      const valid = (v: unknown): v is number => isNumber(v) && v >= 0;
      if (valid(p.speed)) out.speed_mps = p.speed;
      if (valid(p.speedAccuracy)) out.speed_acc_mps = p.speedAccuracy;
      if (valid(p.course)) out.course_deg = p.course;
      if (valid(p.courseAccuracy)) out.course_acc_deg = p.courseAccuracy;
      if (valid(p.horizontalAccuracy)) out.h_acc_m = p.horizontalAccuracy;
      if (valid(p.verticalAccuracy)) out.v_acc_m = p.verticalAccuracy;
      return [out];
    });
    const series: Record<string, { unit: string; points: Array<{ t: string; v: number }> }> = {};
    for (const [key, value] of Object.entries(w)) {
      if (!Array.isArray(value) || ["heartRateData", "heartRateRecovery", "route"].includes(key)) continue;
      const points: Array<{ t: string; v: number }> = [];
      let unit: string | null = null;
      for (const p of value) {
        if (!isObject(p) || !isNumber(p.qty)) continue;
        const d = parseBridgeDate(p.date);
        if (!d) continue;
        const dim = SERIES_DIMENSIONS.find((x) => convert(1, p.units, x) !== null);
        unit ??= dim ? CANONICAL[dim] : typeof p.units === "string" ? p.units : "";
        points.push({ t: d.at.toISOString(), v: dim ? convert(p.qty, p.units, dim)! : p.qty });
      }
      if (points.length) series[key] = { unit: unit ?? "", points };
    }
    const out: Record<string, unknown> = {};
    if (heartRate.length) out.heart_rate = heartRate;
    if (recovery.length) out.heart_rate_recovery = recovery;
    if (route.length) out.route = route;
    if (Object.keys(series).length) out.series = series;
    return Object.keys(out).length ? out : null;
  }

  /** Elements of `data.stateOfMind`, `data.ecg`, … (and unknown arrays): kept raw, reported unmapped. */
  other(key: string, element: unknown): void {
    const id = isObject(element) && typeof element.id === "string" && element.id ? element.id : stableId(key, JSON.stringify(element));
    this.out.unmappedRecord(key, { provider: PROVIDER, resource: key, externalId: id, payload: element as object });
  }
}

/** The first finite number of three (hot: once per heart-rate point, so no rest parameters). */
function pick(a: unknown, b: unknown, c?: unknown): number | undefined {
  return isNumber(a) ? a : isNumber(b) ? b : isNumber(c) ? c : undefined;
}

const SERIES_DIMENSIONS: Dimension[] = ["energy", "length", "count", "speed", "power", "duration", "rate"];

export type HeartRateSample = { t: string; bpm: number; min?: number; max?: number };
export type RoutePoint = {
  t: string;
  lat: number;
  lon: number;
  alt_m?: number;
  speed_mps?: number;
  speed_acc_mps?: number;
  course_deg?: number;
  course_acc_deg?: number;
  h_acc_m?: number;
  v_acc_m?: number;
};

/** `"Apple Watch|iPhone"` → first device as the source, all of them listed. */
export function splitSource(value: unknown): { source: string | null; sources: string[] } {
  if (typeof value !== "string") return { source: null, sources: [] };
  // Every point of a metric names the same devices: answer a repeat from the last call.
  if (value === lastSource.value) return lastSource.split;
  const split = splitSources(value);
  lastSource = { value, split };
  return split;
}

let lastSource: { value: string; split: { source: string | null; sources: string[] } } = { value: "", split: { source: null, sources: [] } };

function splitSources(value: string): { source: string | null; sources: string[] } {
  const sources = value
    .split("|")
    .map((s) => s.trim())
    .filter(Boolean);
  return { source: sources[0] ?? null, sources };
}
