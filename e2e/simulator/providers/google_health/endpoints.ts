import { createHash } from "node:crypto";
import { requireToken } from "../../oauth2";
import { json, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import { addDays, dayNumber, isDay, type GenRecord } from "../../data/core";
import { simData } from "../../data/generator";
import { decodeToken, encodeToken, metered } from "../../data/http";
import { GH_HOST, GH_SCOPE, googleHealthStyle, rpcError } from "./oauth";

/**
 * Google Health API v4 data (google-health.md A.4–A.8, A.12). `dataPoints` lists take an AIP-160
 * `filter` on exactly the documented member of each record kind (samples `sample_time.physical_time`
 * / `.civil_time`; daily types `date`; exercise only `interval.civil_start_time` — a physical-time
 * filter is refused with INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER; sleep `interval.end_time` /
 * `.civil_end_time`, the only one that allows OR), `pageSize` (exercise and sleep ≤ 25, others
 * ≤ 10,000), `pageToken`; newest first by start time. `dataSourceFamily` is refused on sleep lists.
 * `:dailyRollUp` (POST JSON) for steps, distance, active energy, floors: ≤ 90 days, one day windows.
 * Budget 300 requests a minute per user. Choices where the doc is silent (UNCONFIRMED): a pageSize
 * above the maximum is refused (not clamped); a page token is bound to its filter and page size;
 * roll-up points come oldest first; the range end is exclusive.
 */

type Kind = "sample" | "daily" | "exercise" | "sleep";
type TypeSpec = { resource: string; filter: string; kind: Kind; scope: string };

const TYPES: Record<string, TypeSpec> = {
  exercise: { resource: "exercise", filter: "exercise", kind: "exercise", scope: "activity_and_fitness" },
  sleep: { resource: "sleep", filter: "sleep", kind: "sleep", scope: "sleep" },
  "heart-rate": { resource: "heart_rate", filter: "heart_rate", kind: "sample", scope: "health_metrics_and_measurements" },
  "heart-rate-variability": { resource: "heart_rate_variability", filter: "heart_rate_variability", kind: "sample", scope: "health_metrics_and_measurements" },
  "respiratory-rate-sleep-summary": { resource: "respiratory_rate_sleep_summary", filter: "respiratory_rate_sleep_summary", kind: "sample", scope: "health_metrics_and_measurements" },
  "vo2-max": { resource: "vo2_max", filter: "vo2_max", kind: "sample", scope: "activity_and_fitness" },
  weight: { resource: "weight", filter: "weight", kind: "sample", scope: "health_metrics_and_measurements" },
  "body-fat": { resource: "body_fat", filter: "body_fat", kind: "sample", scope: "health_metrics_and_measurements" },
  "daily-resting-heart-rate": { resource: "daily_resting_heart_rate", filter: "daily_resting_heart_rate", kind: "daily", scope: "health_metrics_and_measurements" },
  "daily-heart-rate-variability": { resource: "daily_heart_rate_variability", filter: "daily_heart_rate_variability", kind: "daily", scope: "health_metrics_and_measurements" },
  "daily-oxygen-saturation": { resource: "daily_oxygen_saturation", filter: "daily_oxygen_saturation", kind: "daily", scope: "health_metrics_and_measurements" },
};
const ROLLUPS: Record<string, { resource: string; maxDays: number }> = {
  steps: { resource: "steps", maxDays: 90 },
  distance: { resource: "distance", maxDays: 90 },
  "active-energy-burned": { resource: "active_energy_burned", maxDays: 90 },
  floors: { resource: "floors", maxDays: 90 },
};
const FAMILIES = ["all-sources", "google-wearables", "google-sources", "self-sources"].map((f) => `users/me/dataSourceFamilies/${f}`);

const badFilter = (reason: string, message: string) => rpcError(400, "INVALID_ARGUMENT", message, reason);
const invalid = (message: string) => rpcError(400, "INVALID_ARGUMENT", message);

type Member = { field: string; literal: "instant" | "civil" | "date"; value: (b: Record<string, unknown>) => string | number };
const get = (b: Record<string, unknown>, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), b);
const pad = (n: unknown) => String(n ?? 0).padStart(2, "0");
const civilString = (c: unknown): string => {
  const d = get(c as Record<string, unknown>, "date") as Record<string, number>;
  const t = (get(c as Record<string, unknown>, "time") ?? {}) as Record<string, number>;
  return `${d.year}-${pad(d.month)}-${pad(d.day)}T${pad(t.hours)}:${pad(t.minutes)}:${pad(t.seconds)}`;
};

/** The filter members each record kind accepts, and how to read each from a point. */
function members(t: TypeSpec, key: string): Member[] {
  const f = t.filter;
  switch (t.kind) {
    case "sample":
      return [
        { field: `${f}.sample_time.physical_time`, literal: "instant", value: (b) => Date.parse(String(get(b, key, "sampleTime", "physicalTime"))) },
        { field: `${f}.sample_time.civil_time`, literal: "civil", value: (b) => civilString(get(b, key, "sampleTime", "civilTime")) },
      ];
    case "daily":
      return [{ field: `${f}.date`, literal: "date", value: (b) => civilString({ date: get(b, key, "date") }).slice(0, 10) }];
    case "exercise":
      return [{ field: `${f}.interval.civil_start_time`, literal: "civil", value: (b) => civilString(get(b, key, "interval", "civilStartTime")) }];
    case "sleep":
      return [
        { field: "sleep.interval.end_time", literal: "instant", value: (b) => Date.parse(String(get(b, key, "interval", "endTime"))) },
        { field: "sleep.interval.civil_end_time", literal: "civil", value: (b) => civilString(get(b, key, "interval", "civilEndTime")) },
      ];
  }
}

type Clause = { member: Member; op: ">=" | "<"; value: string | number; day: string };
type Parsed = { groups: Clause[][] } | { error: SimResponse };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const CIVIL = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$/;

function parseFilter(t: TypeSpec, key: string, filter: string): Parsed {
  const allowed = members(t, key);
  const orParts = filter.split(/\s+OR\s+/);
  if (orParts.length > 1 && t.kind !== "sleep") return { error: badFilter("INVALID_DATA_POINT_FILTER_EXPRESSION_STRUCTURE", "OR is only supported for sleep filters.") };
  const groups: Clause[][] = [];
  for (const part of orParts) {
    const clauses: Clause[] = [];
    for (const raw of part.split(/\s+AND\s+/)) {
      const m = /^\s*([a-z0-9_]+(?:\.[a-z0-9_]+)+)\s*(>=|<|<=|>|=|!=)\s*"([^"]*)"\s*$/.exec(raw);
      if (!m) return { error: badFilter("INVALID_DATA_POINT_FILTER_SYNTAX", `Invalid filter syntax near: ${raw.slice(0, 80)}`) };
      const [, field, op, literal] = m;
      if (field.split(".")[0] !== t.filter) return { error: badFilter("INVALID_DATA_POINT_FILTER_DATA_TYPE_RESTRICTION", `Filter field ${field} does not belong to data type ${t.filter}.`) };
      const member = allowed.find((a) => a.field === field);
      if (!member) return { error: badFilter("INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER", `Filtering on ${field} is not supported for data type ${t.filter}.`) };
      if (op !== ">=" && op !== "<") return { error: badFilter("INVALID_DATA_POINT_FILTER_RESTRICTION_COMPARABLE", `Operator ${op} is not supported; use >= and <.`) };
      let value: string | number;
      if (member.literal === "instant") {
        if (!RFC3339.test(literal)) return { error: badFilter("INVALID_FILTER_FORMAT", `${field} needs an RFC 3339 timestamp, got "${literal}".`) };
        value = Date.parse(literal);
      } else if (member.literal === "civil") {
        if (!CIVIL.test(literal) || !isDay(literal.slice(0, 10))) return { error: badFilter("INVALID_FILTER_FORMAT", `${field} needs YYYY-MM-DD[THH:mm:ss], got "${literal}".`) };
        value = literal.length === 10 ? `${literal}T00:00:00` : literal;
      } else {
        if (!isDay(literal)) return { error: badFilter("INVALID_FILTER_FORMAT", `${field} needs YYYY-MM-DD, got "${literal}".`) };
        value = literal;
      }
      clauses.push({ member, op, value, day: typeof value === "number" ? new Date(value).toISOString().slice(0, 10) : value.slice(0, 10) });
    }
    groups.push(clauses);
  }
  return { groups };
}

const matches = (groups: Clause[][], body: Record<string, unknown>) =>
  groups.some((g) => g.every((c) => (c.op === ">=" ? c.member.value(body) >= c.value : c.member.value(body) < c.value)));

function userOf(ctx: RequestContext, scope: string) {
  return requireToken(ctx, googleHealthStyle, { scope: GH_SCOPE(`${scope}.readonly`) });
}

const JSON_KEY = (urlId: string) => urlId.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const queryHash = (...parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);

function list(ctx: RequestContext): SimResponse {
  const urlId = ctx.params.dataType;
  const t = TYPES[urlId];
  if (!t) return rpcError(400, "INVALID_ARGUMENT", `Data type ${urlId} is not readable here.`, "INVALID_PARENT_DATA_TYPE_COLLECTION");
  const auth = userOf(ctx, t.scope);
  if (!auth.ok) return auth.response;
  return metered(ctx, "google_health", auth.grant.userId, () => {
    const q = ctx.query;
    const family = q.get("dataSourceFamily");
    if (family !== null) {
      if (t.kind === "sleep") return rpcError(400, "INVALID_ARGUMENT", "dataSourceFamily is not supported when listing sleep; use reconcile.", "INVALID_DATA_POINT_DATA_SOURCE_FAMILY");
      if (!FAMILIES.includes(family)) return rpcError(400, "INVALID_ARGUMENT", `Unknown data source family ${family}.`, "INVALID_DATA_POINT_DATA_SOURCE_FAMILY");
    }
    const session = t.kind === "sleep" || t.kind === "exercise";
    const max = session ? 25 : 10_000;
    const rawSize = q.get("pageSize");
    const pageSize = rawSize === null ? (session ? 25 : 1440) : /^\d+$/.test(rawSize) ? Number(rawSize) : NaN;
    if (!(pageSize >= 1 && pageSize <= max)) return invalid(`pageSize must be between 1 and ${max} for ${urlId}.`);
    const key = JSON_KEY(urlId);
    const filter = q.get("filter") ?? "";
    const parsed = filter.trim() ? parseFilter(t, key, filter) : { groups: [[]] };
    if ("error" in parsed) return parsed.error;
    const hash = queryHash(urlId, filter, pageSize, family);
    const token = decodeToken<{ h: string; o: number }>(q.get("pageToken"));
    if (token === "invalid" || (token && (token.h !== hash || typeof token.o !== "number"))) return invalid("The page token is invalid or does not belong to this query.");
    const offset = token?.o ?? 0;

    // Only the days the bounds can reach (±2 days for zones) are walked.
    const days = parsed.groups.flat().map((c) => c.day).sort();
    const lower = parsed.groups.every((g) => g.some((c) => c.op === ">=")) && days.length ? addDays(days[0], -2) : undefined;
    const upper = parsed.groups.every((g) => g.some((c) => c.op === "<")) && days.length ? addDays(days[days.length - 1], 2) : undefined;
    const store = simData(ctx.state);
    const all: GenRecord[] = [];
    for (const r of store.walk("google_health", auth.grant.account, t.resource, { fromDay: lower, toDay: upper, order: "desc" })) if (matches(parsed.groups, r.body)) all.push(r);
    all.sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1));
    const page = all.slice(offset, offset + pageSize).map((r) => r.body);
    const next = offset + pageSize < all.length ? encodeToken({ h: hash, o: offset + pageSize }) : undefined;
    return json(200, { dataPoints: page, ...(next ? { nextPageToken: next } : {}) });
  });
}

type CivilDateTime = { date?: { year?: unknown; month?: unknown; day?: unknown } };
function civilDay(v: unknown): string | null {
  const d = (v as CivilDateTime | undefined)?.date;
  if (!d || !Number.isInteger(d.year) || !Number.isInteger(d.month) || !Number.isInteger(d.day)) return null;
  const s = `${d.year}-${pad(d.month)}-${pad(d.day)}`;
  return isDay(s) ? s : null;
}

function dailyRollUp(ctx: RequestContext): SimResponse {
  const urlId = ctx.params.dataType;
  const spec = ROLLUPS[urlId];
  if (!spec) return rpcError(400, "INVALID_ARGUMENT", `dailyRollUp is not supported for ${urlId} here.`, "INVALID_PARENT_DATA_TYPE_COLLECTION");
  const auth = userOf(ctx, "activity_and_fitness");
  if (!auth.ok) return auth.response;
  return metered(ctx, "google_health", auth.grant.userId, () => {
    const body = ctx.json as Record<string, unknown> | undefined;
    if (!body || typeof body !== "object") return invalid("The request body must be a JSON DailyRollUpDataPointsRequest.");
    const range = body.range as { start?: unknown; end?: unknown } | undefined;
    const start = civilDay(range?.start);
    const end = civilDay(range?.end);
    if (!start || !end) return invalid("range.start and range.end must be civil date-times with a date.");
    if (end <= start) return invalid("range.end must be after range.start.");
    if (dayNumber(end) - dayNumber(start) > spec.maxDays) return invalid(`The range may span at most ${spec.maxDays} days for ${urlId}.`);
    const windowSizeDays = body.windowSizeDays ?? 1;
    if (windowSizeDays !== 1) return invalid("windowSizeDays must be 1 in this simulator.");
    const family = body.dataSourceFamily;
    if (family !== undefined && !FAMILIES.includes(String(family))) return rpcError(400, "INVALID_ARGUMENT", `Unknown data source family ${String(family)}.`, "INVALID_DATA_POINT_DATA_SOURCE_FAMILY");
    const points = simData(ctx.state)
      .list("google_health", auth.grant.account, spec.resource, { from: start, to: addDays(end, -1) })
      .map((r) => r.body);
    return json(200, { rollupDataPoints: points });
  });
}

export const googleHealthDataRoutes: RouteSpec[] = [
  { method: "GET", host: GH_HOST, path: "/v4/users/me/dataTypes/:dataType/dataPoints", name: "dataPoints.list", handler: list },
  { method: "POST", host: GH_HOST, path: "/v4/users/me/dataTypes/:dataType/dataPoints:dailyRollUp", name: "dataPoints.dailyRollUp", handler: dailyRollUp },
];
