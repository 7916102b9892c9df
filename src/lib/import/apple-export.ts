import { SaxesParser, type SaxesTagPlain } from "saxes";
import { Collector } from "@/lib/ingest/collector";
import { HaeParser, SLEEP_SESSION_GAP_MS } from "@/lib/ingest/hae";
import { parseBridgeDate } from "@/lib/normalize/dates";
import type { ActivityRow, MeasurementRow } from "@/lib/normalize/types";
import type { RoutePoint } from "@/lib/ingest/hae";

/**
 * Apple Health "Export All Health Data" `export.xml` → the Health Auto Export normalization.
 * Each `Record`/`Workout` is rewritten into the shape HAE sends for the same HealthKit sample and
 * handed to `HaeParser`, so units, sources, offsets, sleep grouping and keys are the very same code:
 * a sample that arrives from the phone app and from the file lands on one row (provider
 * `apple_health`, type, start, source). Fed as a stream of text chunks; memory holds one record,
 * the open sleep night and the rows of the current flush.
 */

/** HealthKit identifier (prefix stripped) → HAE metric name, for the types HAE_METRICS maps. */
const HK_TO_HAE: Record<string, string> = {
  StepCount: "step_count",
  ActiveEnergyBurned: "active_energy",
  BasalEnergyBurned: "basal_energy_burned",
  DistanceWalkingRunning: "walking_running_distance",
  FlightsClimbed: "flights_climbed",
  AppleExerciseTime: "apple_exercise_time",
  AppleStandTime: "apple_stand_time",
  RestingHeartRate: "resting_heart_rate",
  WalkingHeartRateAverage: "walking_heart_rate_average",
  HeartRate: "heart_rate",
  HeartRateVariabilitySDNN: "heart_rate_variability",
  OxygenSaturation: "blood_oxygen_saturation",
  RespiratoryRate: "respiratory_rate",
  VO2Max: "vo2_max",
  BodyMass: "weight_body_mass",
  BodyFatPercentage: "body_fat_percentage",
  BodyMassIndex: "body_mass_index",
  LeanBodyMass: "lean_body_mass",
  Height: "height",
  BloodGlucose: "blood_glucose",
  BodyTemperature: "body_temperature",
  AppleSleepingWristTemperature: "apple_sleeping_wrist_temperature",
  DietaryEnergyConsumed: "dietary_energy",
  AppleStandHour: "apple_stand_hour",
};

/** Sleep analysis category values → the stage names HAE writes for unaggregated segments. */
const SLEEP_VALUES: Record<string, string> = {
  HKCategoryValueSleepAnalysisInBed: "In Bed",
  HKCategoryValueSleepAnalysisAsleep: "Asleep",
  HKCategoryValueSleepAnalysisAsleepUnspecified: "Asleep",
  HKCategoryValueSleepAnalysisAsleepCore: "Core",
  HKCategoryValueSleepAnalysisAsleepDeep: "Deep",
  HKCategoryValueSleepAnalysisAsleepREM: "REM",
  HKCategoryValueSleepAnalysisAwake: "Awake",
};

const PREFIX = /^HK(?:Quantity|Category|Correlation|DataType)TypeIdentifier/;
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2").toLowerCase();

/** The HAE name for a HealthKit type: mapped ones by table, the rest snake_cased (kept raw, unmapped). */
export function haeNameOf(hkType: string): string {
  const bare = hkType.replace(PREFIX, "");
  return HK_TO_HAE[bare] ?? snake(bare);
}

/** `HKWorkoutActivityTypeTraditionalStrengthTraining` → "Traditional Strength Training". */
export function workoutName(activityType: string | undefined): string {
  const bare = (activityType ?? "").replace(/^HKWorkoutActivityType/, "");
  return bare.replace(/([a-z])([A-Z])/g, "$1 $2") || "Workout";
}

/** `<<HKDevice: 0x…>, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,1, …>` → its fields. */
export function parseDevice(device: string | undefined): Record<string, string> | null {
  if (!device) return null;
  const out: Record<string, string> = {};
  // Values hold commas themselves ("hardware:iPhone15,2"): a field starts only where ", key:" does.
  for (const part of device.replace(/^<+HKDevice:[^>]*>,?\s*/, "").replace(/>\s*$/, "").split(/, (?=[a-zA-Z][a-zA-Z ]*:)/)) {
    const m = /^(name|manufacturer|model|hardware|software):(.*)$/.exec(part);
    if (m) out[m[1]] = m[2].trim();
  }
  return Object.keys(out).length ? out : { text: device.slice(0, 200) };
}

/** A Collector that also carries what HAE's shapes have no room for: a sample's end and a workout's source. */
export class FileCollector extends Collector {
  recordEnd: Date | null = null;
  workoutSource: string | null = null;

  override measurement(row: MeasurementRow, day: { date: string; offsetMinutes: number } | null): void {
    if (this.recordEnd && this.recordEnd.getTime() !== row.measuredAt.getTime()) row.endAt = this.recordEnd;
    super.measurement(row, day);
  }

  override activity(row: ActivityRow): void {
    row.source = this.workoutSource;
    super.activity(row);
  }
}

const REPLACEMENT_UTF8 = Buffer.from("\uFFFD");
const count = (text: string, char: string) => text.split(char).length - 1;
function countBytes(raw: Uint8Array, seq: Buffer): number {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let n = 0;
  for (let i = buf.indexOf(seq); i >= 0; i = buf.indexOf(seq, i + seq.length)) n++;
  return n;
}

export type XmlIssue = { line: number; column: number; reason: string };

/** At most this many damaged spots are listed; the rest are counted. */
export const MAX_ISSUES_LISTED = 100;

type Attrs = Record<string, string>;
type OpenWorkout = {
  attrs: Attrs;
  metadata: Attrs;
  stats: Attrs[];
  events: Attrs[];
  routes: string[];
  damaged: boolean;
  line: number;
};
export type PendingWorkout = { hae: Record<string, unknown>; source: string | null; routes: string[] };

export class AppleExportParser {
  private readonly sax = new SaxesParser({ position: true });
  private readonly hae: HaeParser;
  private readonly indexes = new Map<string, number>();
  private record: { attrs: Attrs; metadata: Attrs; damaged: boolean } | null = null;
  private workout: OpenWorkout | null = null;
  private inRoute = false;
  private sleepEnd = -Infinity;
  private sleepEndDate = "";
  /** Workouts whose route files must be read before they are handed over (see `takeWorkouts`). */
  private pending: PendingWorkout[] = [];
  readonly perType = new Map<string, number>();
  readonly issues: XmlIssue[] = [];
  issueCount = 0;
  sawRoot = false;
  exportVersion: string | null = null;

  constructor(private readonly out: FileCollector) {
    this.hae = new HaeParser(out);
    this.sax.on("doctype", (dt) => {
      this.exportVersion = /HealthKit Export Version:\s*(\d+)/.exec(dt)?.[1] ?? null;
    });
    this.sax.on("opentagstart", () => {
      this.inStartTag = true;
      this.tagError = false;
      // saxes 6 keeps the text of an unmatched close tag outside the root in its buffer, and its
      // attribute parser prepends that buffer to the next value ("</Record>HKQuantity…"). Text
      // before a start tag is already emitted (or, outside the root, only whitespace we ignore).
      const buffered = this.sax as unknown as { text: string };
      if (buffered.text) buffered.text = "";
    });
    this.sax.on("opentag", (tag) => this.open(tag as SaxesTagPlain));
    this.sax.on("closetag", (tag) => this.close(tag.name));
    // saxes reports and carries on: the element being read is dropped, the rest still lands.
    this.sax.on("error", (err) => {
      // At the end of the input, an open element means the file is cut short (see `truncated`), not a damaged spot.
      if (this.ending) {
        const open = /unclosed tag: (\S+)/.exec(err.message);
        if (open) this.truncated ??= { ...this.endAt, inside: this.record ? "Record" : this.workout ? "Workout" : open[1] };
        return;
      }
      // A stray close tag makes saxes close every open element, <HealthData> too: what follows is
      // reported as a second root. Those elements are fine (an export's records are flat under the
      // root), so they still land; the damage itself was reported where it was.
      const reason = err.message.replace(/^(?:[^:\d][^:]*:)?\d+:\d+: /, "");
      if (reason === "documents may contain only one root." || reason === "unmatched closing tag: HealthData.") return;
      this.issueCount++;
      // An error inside a start tag comes before its "opentag" event: the tag is marked when it opens.
      // (Only there: an error after a close tag must not mark the next element.)
      if (this.inStartTag) this.tagError = true;
      if (this.record) this.record.damaged = true;
      if (this.workout) this.workout.damaged = true;
      if (this.issues.length < MAX_ISSUES_LISTED)
        this.issues.push({ line: this.sax.line, column: this.sax.column, reason });
    });
  }

  get line(): number {
    return this.sax.line;
  }

  /** Bytes of input behind the text written so far (exact while it was valid UTF-8). */
  private textBytes = 0;

  /**
   * `text` decoded from `raw` (when given): a U+FFFD that `raw` did not spell out is where the
   * decoder met bytes that are not UTF-8 — reported with its line and byte, the text kept as decoded.
   */
  write(text: string, raw?: Uint8Array): void {
    const at = text.indexOf("\uFFFD");
    if (raw && at >= 0 && count(text, "\uFFFD") > countBytes(raw, REPLACEMENT_UTF8)) {
      const before = text.slice(0, at);
      const nl = before.lastIndexOf("\n");
      this.issueCount++;
      if (this.issues.length < MAX_ISSUES_LISTED)
        this.issues.push({
          line: this.sax.line + count(before, "\n"),
          column: nl < 0 ? this.sax.column + at : at - nl - 1,
          reason: `bytes that are not UTF-8 at byte ${(this.textBytes + Buffer.byteLength(before)).toLocaleString("en-US")}, read as U+FFFD.`,
        });
    }
    this.textBytes += Buffer.byteLength(text);
    this.sax.write(text);
  }

  /** Where the input ended with elements still open: the file is cut short (an interrupted copy or download). */
  truncated: { line: number; column: number; inside: string } | null = null;
  private ending = false;
  private endAt = { line: 0, column: 0 };

  end(): void {
    this.endAt = { line: this.sax.line, column: this.sax.column };
    this.ending = true;
    this.sax.close();
    for (const i of this.indexes.values()) this.hae.closeMetric(i);
    this.indexes.clear();
  }

  /** Workouts read so far, with the paths of their route files (to be read from the zip). */
  takeWorkouts(): PendingWorkout[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /** Hands a workout (with its route, when there is one) to the HAE mapping. */
  emitWorkout(w: PendingWorkout, route: RoutePoint[] | null): void {
    const hae = route?.length
      ? {
          ...w.hae,
          route: route.map((p) => ({
            latitude: p.lat,
            longitude: p.lon,
            timestamp: p.t,
            altitude: p.alt_m,
            speed: p.speed_mps,
            course: p.course_deg,
            horizontalAccuracy: p.h_acc_m,
            verticalAccuracy: p.v_acc_m,
          })),
        }
      : w.hae;
    this.out.workoutSource = w.source;
    this.hae.workout(hae);
    this.out.workoutSource = null;
  }

  private count(type: string): void {
    this.perType.set(type, (this.perType.get(type) ?? 0) + 1);
  }

  private tagError = false;
  private inStartTag = false;

  private open(tag: SaxesTagPlain): void {
    const a = tag.attributes as Attrs;
    const damaged = this.tagError;
    this.tagError = false;
    this.inStartTag = false;
    if (damaged && this.record) this.record.damaged = true;
    if (damaged && this.workout) this.workout.damaged = true;
    switch (tag.name) {
      case "HealthData":
        this.sawRoot = true;
        return;
      case "Record":
        this.record = { attrs: a, metadata: {}, damaged };
        return;
      case "MetadataEntry":
        if (a.key === undefined) return;
        if (this.record) this.record.metadata[a.key] = a.value ?? "";
        else if (this.workout && !this.inRoute) this.workout.metadata[a.key] = a.value ?? "";
        return;
      case "Workout":
        this.workout = { attrs: a, metadata: {}, stats: [], events: [], routes: [], damaged, line: this.sax.line };
        return;
      case "WorkoutStatistics":
        this.workout?.stats.push(a);
        return;
      case "WorkoutEvent":
        this.workout?.events.push(a);
        return;
      case "WorkoutRoute":
        this.inRoute = true;
        return;
      case "FileReference":
        if (this.workout && this.inRoute && a.path) this.workout.routes.push(a.path);
        return;
      case "ActivitySummary":
        if (!damaged) this.activitySummary(a);
        return;
    }
  }

  private close(name: string): void {
    this.tagError = false;
    if (name === "Record" && this.record) {
      const r = this.record;
      this.record = null;
      if (!r.damaged) this.recordDone(r.attrs, r.metadata);
    } else if (name === "Workout" && this.workout) {
      const w = this.workout;
      this.workout = null;
      if (!w.damaged) this.workoutDone(w);
    } else if (name === "WorkoutRoute") this.inRoute = false;
  }

  private index(name: string): number {
    let i = this.indexes.get(name);
    if (i === undefined) {
      i = ++this.lastIndex;
      this.indexes.set(name, i);
      this.hae.header(i, "name", name);
      // Each record carries its own unit; the metric has none.
      this.hae.header(i, "units", null);
    }
    return i;
  }
  private lastIndex = 0;

  private recordDone(a: Attrs, metadata: Attrs): void {
    const type = a.type ?? "";
    this.count(type || "(no type)");
    const name = haeNameOf(type);
    const extra: Record<string, unknown> = {};
    const device = parseDevice(a.device);
    if (device) extra.device = device;
    if (Object.keys(metadata).length) extra.metadata = metadata;
    const end = parseBridgeDate(a.endDate);

    if (name === "sleep_analysis") return this.sleepSegment(a, extra);
    let qty: number;
    if (name === "apple_stand_hour") qty = a.value === "HKCategoryValueAppleStandHourStood" ? 1 : 0;
    else if (name === "blood_pressure_systolic" || name === "blood_pressure_diastolic") {
      const field = name.endsWith("systolic") ? "systolic" : "diastolic";
      const point = { date: a.startDate, [field]: Number(a.value), units: a.unit, source: a.sourceName, ...extra };
      this.out.recordEnd = end?.at ?? null;
      this.hae.point(this.index("blood_pressure"), point);
      this.out.recordEnd = null;
      return;
    } else qty = a.value === undefined || a.value.trim() === "" ? NaN : Number(a.value);
    this.out.recordEnd = end?.at ?? null;
    this.hae.point(this.index(name), { date: a.startDate, qty, units: a.unit, source: a.sourceName, ...extra });
    this.out.recordEnd = null;
  }

  private sleepSegment(a: Attrs, extra: Record<string, unknown>): void {
    const start = parseBridgeDate(a.startDate);
    const end = parseBridgeDate(a.endDate);
    // A night is grouped only once its segments are all in; records come in time order, so a
    // segment that starts a gap later AND on a later local day than every earlier end cannot share
    // a night (or a local day) with them: close what is held, and memory stays one night.
    if (start && end && this.indexes.has("sleep_analysis")) {
      if (start.at.getTime() - this.sleepEnd > SLEEP_SESSION_GAP_MS && start.localDate > this.sleepEndDate) {
        this.hae.closeMetric(this.indexes.get("sleep_analysis")!);
        this.indexes.delete("sleep_analysis");
      }
    }
    if (end && end.at.getTime() > this.sleepEnd) {
      this.sleepEnd = end.at.getTime();
      this.sleepEndDate = end.localDate;
    }
    const value = SLEEP_VALUES[a.value ?? ""] ?? a.value ?? "";
    this.hae.point(this.index("sleep_analysis"), { startDate: a.startDate, endDate: a.endDate, value, source: a.sourceName, ...extra });
  }

  private workoutDone(w: OpenWorkout): void {
    this.count("Workout");
    const a = w.attrs;
    const stat = (suffix: RegExp) => w.stats.find((s) => suffix.test(s.type ?? ""));
    const qty = (v: string | undefined, units: string | undefined) =>
      v !== undefined && Number.isFinite(Number(v)) ? { qty: Number(v), units } : undefined;
    const distance = stat(/Distance/);
    const energy = stat(/ActiveEnergyBurned$/);
    const hr = stat(/HeartRate$/);
    const steps = stat(/StepCount$/);
    const ascended = /^([\d.]+)\s*(\S+)$/.exec(w.metadata.HKElevationAscended ?? "");
    const statistics = Object.fromEntries(
      w.stats.map((s) => [haeNameOf(s.type ?? ""), Object.fromEntries(Object.entries(s).filter(([k]) => k !== "type"))]),
    );
    const hae: Record<string, unknown> = {
      name: workoutName(a.workoutActivityType),
      start: a.startDate,
      end: a.endDate,
      duration: qty(a.duration, a.durationUnit ?? "min"),
      // Older exports put totals on the element; newer ones only in WorkoutStatistics.
      distance: qty(distance?.sum, distance?.unit) ?? qty(a.totalDistance, a.totalDistanceUnit),
      activeEnergyBurned: qty(energy?.sum, energy?.unit) ?? qty(a.totalEnergyBurned, a.totalEnergyBurnedUnit),
      heartRate: hr ? { avg: qty(hr.average, hr.unit), max: qty(hr.maximum, hr.unit), min: qty(hr.minimum, hr.unit) } : undefined,
      elevationUp: ascended ? { qty: Number(ascended[1]), units: ascended[2] } : undefined,
      stepCount: steps ? qty(steps.sum, "count") : undefined,
      workoutActivityType: a.workoutActivityType,
      device: parseDevice(a.device) ?? undefined,
      metadata: Object.keys(w.metadata).length ? w.metadata : undefined,
      statistics: Object.keys(statistics).length ? statistics : undefined,
      // An object, not an array: HAE's mapping reads arrays as sample series.
      events: w.events.length ? { items: w.events } : undefined,
    };
    this.pending.push({ hae, source: a.sourceName ?? null, routes: w.routes });
  }

  /** Apple's daily ring totals are derived from the records themselves: kept raw, never summed again. */
  private activitySummary(a: Attrs): void {
    this.count("ActivitySummary");
    if (!a.dateComponents) return this.out.skip();
    this.out.keepRaw({ provider: "apple_health", resource: "ActivitySummary", externalId: a.dateComponents, payload: a });
  }
}
