import { sha256Hex } from "@/lib/crypto";
import type { EpisodeCopy, SourceVerdict } from "@/lib/db/schema";
import { addDays, isoInstant, localDateAt, startOfLocalDay, zoneOffsetMinutes } from "@/lib/normalize/dates";
import { providerName } from "@/lib/providers";
import type { MetricId } from "@/lib/reconcile/metrics";
import {
  BP_COMPONENTS,
  categoryCoding,
  DAILY_KINDS,
  HB_DAILY_ID,
  HB_TAG,
  type Kind,
  providerIdentifierSystem,
  READING_KINDS,
  SLEEP_STAGES,
  UCUM,
  type Unit,
  WORKOUT_COMPONENTS,
  WORKOUT_KIND,
} from "./codes";

/** FHIR R4 resources built from our rows; plain objects, shaped by the official R4 JSON schema. */

export const FHIR_JSON = "application/fhir+json; charset=utf-8";
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- FHIR resources are open JSON
export type Resource = Record<string, any> & { resourceType: string };

// ───────────── time ─────────────

/** Instant of local midnight of `date` in zone `tz` (offsets change at most once a day). */
export function dayStart(date: string, tz: string): number {
  const guess = startOfLocalDay(date, zoneOffsetMinutes(tz, new Date(Date.parse(`${date}T12:00:00Z`))));
  return startOfLocalDay(date, zoneOffsetMinutes(tz, new Date(guess)));
}

export const localDateIn = (at: number, tz: string) => localDateAt(new Date(at), zoneOffsetMinutes(tz, new Date(at)));

/** The first local day (in `tz`) that starts at or after `at`. */
export function firstDayStartingAtOrAfter(at: number, tz: string): string {
  const d = localDateIn(at, tz);
  return dayStart(d, tz) >= at ? d : addDays(d, 1);
}

const pad = (n: number) => String(Math.abs(n)).padStart(2, "0");

/** An R4 dateTime at the given offset: `2026-03-07T17:29:00+01:00` (ms only when not zero). */
export function dateTimeAt(at: Date, offsetMinutes: number): string {
  const local = isoInstant(at.getTime() + offsetMinutes * 60_000);
  const body = local.endsWith(".000Z") ? local.slice(0, 19) : local.slice(0, 23);
  if (offsetMinutes === 0) return `${body}Z`;
  const sign = offsetMinutes < 0 ? "-" : "+";
  return `${body}${sign}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`;
}

// ───────────── ids ─────────────

const slug = (s: string) => s.replace(/_/g, "-");

export const dailyObservationId = (metric: string, date: string) => `d-${date}-${slug(metric)}`;
export const readingObservationId = (id: string) => `m-${id}`;
export const workoutObservationId = (id: string) => `w-${id}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const METRIC_BY_SLUG = new Map(Object.keys(DAILY_KINDS).map((m) => [slug(m), m as MetricId]));

export type ObservationRef =
  | { source: "daily"; metric: MetricId; date: string }
  | { source: "reading" | "workout"; id: string }
  | null;

export function parseObservationId(id: string): ObservationRef {
  const daily = /^d-(\d{4}-\d{2}-\d{2})-([a-z0-9-]+)$/.exec(id);
  if (daily) {
    const metric = METRIC_BY_SLUG.get(daily[2]);
    const date = daily[1];
    if (!metric || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) return null;
    return { source: "daily", metric, date };
  }
  const other = /^([mw])-(.+)$/.exec(id);
  if (other && UUID.test(other[2])) return { source: other[1] === "m" ? "reading" : "workout", id: other[2] };
  return null;
}

/** One Device per source: the provider, or an app or device inside it ("Apple Watch"). */
export type SourceKey = { provider: string; source: string | null };
const deviceIds = new Map<string, string>();
/** Memoised: a page of 1000 readings from one watch would hash its name 1000 times. */
export function deviceId({ provider, source }: SourceKey): string {
  const key = `${provider}\u0000${source ?? ""}`;
  let id = deviceIds.get(key);
  if (id === undefined) {
    id = source ? `${slug(provider)}.${sha256Hex(source).slice(0, 16)}` : slug(provider);
    if (deviceIds.size < 10_000) deviceIds.set(key, id);
  }
  return id;
}

// ───────────── resources ─────────────

export function patientResource(user: { id: string; name: string | null; email: string }): Resource {
  return {
    resourceType: "Patient",
    id: user.id,
    active: true,
    ...(user.name ? { name: [{ text: user.name }] } : {}),
    telecom: [{ system: "email", value: user.email }],
  };
}

export function deviceResource(userId: string, s: SourceKey): Resource {
  const name = providerName(s.provider);
  return {
    resourceType: "Device",
    id: deviceId(s),
    identifier: [{ system: providerIdentifierSystem(s.provider), value: s.source ?? s.provider }],
    manufacturer: name,
    deviceName: [{ name: s.source ?? name, type: s.source ? "user-friendly-name" : "manufacturer-name" }],
    patient: { reference: `Patient/${userId}` },
  };
}

const quantity = (value: number, unit: Unit) => ({ value: round(value), unit: unit.unit, system: UCUM, code: unit.code });
const round = (v: number) => Math.round(v * 1e4) / 1e4;

const RECONCILED_TAG = Object.freeze([Object.freeze({ system: HB_TAG, code: "reconciled", display: "Reconciled daily value (one per day across sources)" })]);

/** A kind's constant parts, built once and frozen: a page shares them instead of rebuilding them per row. */
type KindParts = { category: readonly unknown[]; code: unknown; profile: readonly string[] | null };
const kindParts = new WeakMap<Kind, KindParts>();
function partsOf(kind: Kind): KindParts {
  let parts = kindParts.get(kind);
  if (!parts) {
    const deepFreeze = <T>(v: T): T => {
      if (v && typeof v === "object") Object.values(v).forEach(deepFreeze);
      return Object.freeze(v);
    };
    parts = deepFreeze({
      category: [{ coding: [categoryCoding(kind.category)] }],
      code: { coding: kind.codings.map((c) => ({ ...c })), text: kind.codings[kind.codings.length - 1].display },
      profile: kind.profile ? [kind.profile] : null,
    });
    kindParts.set(kind, parts);
  }
  return parts;
}

function base(kind: Kind, id: string, userId: string, updatedAt: Date, device: SourceKey | null, extra: { reconciled?: boolean } = {}): Resource {
  const parts = partsOf(kind);
  const meta: Resource["meta"] = { lastUpdated: isoInstant(updatedAt.getTime()) };
  if (parts.profile) meta.profile = parts.profile;
  if (extra.reconciled) meta.tag = RECONCILED_TAG;
  const obs: Resource = { resourceType: "Observation", id, meta, status: "final", category: parts.category, code: parts.code, subject: { reference: `Patient/${userId}` } };
  if (device) obs.device = { reference: `Device/${deviceId(device)}` };
  return obs;
}

export type DailyRow = {
  metric: string;
  date: string;
  value: number;
  unit: string;
  sources: SourceVerdict[];
  updatedAt: Date;
  /** Sleep only: the main night's stage durations in seconds. */
  stages?: { deep: number | null; light: number | null; rem: number | null; awake: number | null } | null;
};

/** The source a reconciled value mostly comes from: the first one used. */
export const mainSource = (sources: SourceVerdict[]): SourceKey | null => {
  const s = sources.find((v) => v.status !== "left_out");
  return s ? { provider: s.provider, source: s.source } : null;
};

export function dailyObservation(userId: string, r: DailyRow): Resource {
  const kind = DAILY_KINDS[r.metric as MetricId];
  const obs = base(kind, dailyObservationId(r.metric, r.date), userId, r.updatedAt, mainSource(r.sources), { reconciled: true });
  const used = r.sources.filter((s) => s.status !== "left_out");
  obs.identifier = [{ system: HB_DAILY_ID, value: `${r.metric}/${r.date}` }];
  // The user's local day: day precision is what the value is about (vs-1 allows it).
  obs.effectiveDateTime = r.date;
  obs.valueQuantity = quantity(r.value * (kind.scale ?? 1), kind.unit);
  if (r.stages) Object.assign(obs, sleepStages(r.stages));
  if (used.length > 1) obs.note = [{ text: `Reconciled from ${used.map((s) => (s.source ? `${s.provider} (${s.source})` : s.provider)).join(", ")}.` }];
  return obs;
}

function sleepStages(st: NonNullable<DailyRow["stages"]>) {
  const component = (
    [
      [SLEEP_STAGES.deep, st.deep],
      [SLEEP_STAGES.light, st.light],
      [SLEEP_STAGES.rem, st.rem],
    ] as const
  )
    .filter(([, v]) => v !== null)
    .map(([coding, v]) => ({ code: { coding: [coding] }, valueQuantity: quantity((v as number) / 60, { code: "min", unit: "min" }) }));
  return component.length ? { component } : {};
}

export type ReadingRow = {
  id: string;
  type: string;
  provider: string;
  source: string | null;
  measuredAt: Date;
  endAt: Date | null;
  value: number;
  diastolic: number | null;
  utcOffsetMinutes: number | null;
  updatedAt: Date;
};

export function readingObservation(userId: string, r: ReadingRow, homeZone: string): Resource {
  const kind = READING_KINDS[r.type];
  const offset = r.utcOffsetMinutes ?? zoneOffsetMinutes(homeZone, r.measuredAt);
  const device = { provider: r.provider, source: r.source };
  const obs = base(kind, readingObservationId(r.id), userId, r.updatedAt, device);
  const identifier = [{ system: providerIdentifierSystem(r.provider), value: `${r.type}/${isoInstant(r.measuredAt.getTime())}${r.source ? `/${r.source}` : ""}` }];
  obs.identifier = identifier;
  if (r.endAt && r.endAt.getTime() > r.measuredAt.getTime()) obs.effectivePeriod = { start: dateTimeAt(r.measuredAt, offset), end: dateTimeAt(r.endAt, offset) };
  else obs.effectiveDateTime = dateTimeAt(r.measuredAt, offset);
  if (r.type === "bp_systolic") {
    const component = (coding: (typeof BP_COMPONENTS)["systolic"], v: number | null) => ({
      code: { coding: [coding] },
      ...(v === null
        ? { dataAbsentReason: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/data-absent-reason", code: "unknown" }] } }
        : { valueQuantity: quantity(v, kind.unit) }),
    });
    obs.component = [component(BP_COMPONENTS.systolic, r.value), component(BP_COMPONENTS.diastolic, r.diastolic)];
    return obs;
  }
  obs.valueQuantity = quantity(r.value * (kind.scale ?? 1), kind.unit);
  return obs;
}

export type WorkoutRow = {
  primaryId: string;
  type: string;
  name: string | null;
  startAt: Date;
  endAt: Date | null;
  utcOffsetMinutes: number | null;
  durationS: number | null;
  distanceM: number | null;
  energyKcal: number | null;
  avgHr: number | null;
  maxHr: number | null;
  copies: EpisodeCopy[];
  /** Each copy's id at its provider. */
  externalIds: Array<{ provider: string; externalId: string }>;
  updatedAt: Date;
};

export function workoutObservation(userId: string, r: WorkoutRow, homeZone: string): Resource {
  const primary = r.copies.find((c) => c.id === r.primaryId) ?? r.copies[0];
  const offset = r.utcOffsetMinutes ?? zoneOffsetMinutes(homeZone, r.startAt);
  const obs = base(WORKOUT_KIND, workoutObservationId(r.primaryId), userId, r.updatedAt, primary ? { provider: primary.provider, source: primary.source } : null);
  const c = WORKOUT_COMPONENTS;
  const component = [
    [c.duration, r.durationS === null ? null : r.durationS / 60],
    [c.distance, r.distanceM],
    [c.energy, r.energyKcal],
    [c.meanHr, r.avgHr],
    [c.maxHr, r.maxHr],
  ]
    .filter((x): x is [(typeof c)["duration"], number] => x[1] !== null)
    .map(([spec, v]) => ({ code: { coding: [spec.coding] }, valueQuantity: quantity(v, spec.unit) }));
  const end = r.endAt ?? (r.durationS ? new Date(r.startAt.getTime() + r.durationS * 1000) : null);
  return {
    ...obs,
    identifier: r.externalIds.map((x) => ({ system: providerIdentifierSystem(x.provider), value: x.externalId })),
    effectivePeriod: { start: dateTimeAt(r.startAt, offset), ...(end ? { end: dateTimeAt(end, offset) } : {}) },
    valueCodeableConcept: { text: r.name ? `${r.type}: ${r.name}` : r.type },
    ...(component.length ? { component } : {}),
  };
}

// ───────────── envelopes ─────────────

export type IssueCode = "invalid" | "not-supported" | "login" | "not-found" | "deleted" | "throttled" | "processing" | "exception";

export function operationOutcome(severity: "error" | "warning" | "fatal", code: IssueCode, diagnostics: string): Resource {
  return { resourceType: "OperationOutcome", issue: [{ severity, code, diagnostics }] };
}

export const fhirResponse = (resource: Resource, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(resource), {
    status,
    headers: { "content-type": FHIR_JSON, "cache-control": "no-store", ...headers },
  });

export const outcomeResponse = (status: number, code: IssueCode, diagnostics: string, headers: Record<string, string> = {}) =>
  fhirResponse(operationOutcome("error", code, diagnostics), status, headers);
