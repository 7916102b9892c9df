import { sql, type SQL } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { PROVIDER_IDS } from "@/lib/providers/ids";
import { METRIC_OF_TYPE, type MetricId } from "@/lib/reconcile/metrics";
import { ranking, type Family } from "@/lib/reconcile/priority";
import { reconcilePending, userRankings } from "@/lib/reconcile/store";
import { ALL_KINDS, codingMatches, DAILY_KINDS, type Kind, parseToken, READING_KINDS } from "./codes";
import {
  dailyObservation,
  type DailyRow,
  dayStart,
  deviceId,
  firstDayStartingAtOrAfter,
  readingObservation,
  type ReadingRow,
  type Resource,
  type SourceKey,
  workoutObservation,
  type WorkoutRow,
} from "./resources";
import { rowsOf } from "@/lib/db/rows";
import { isoInstant } from "@/lib/normalize/dates";

/**
 * Observation search over three sources, each queried in SQL with the same keyset and merged:
 * reconciled daily values (sort instant = start of the local day in the user's home zone), readings
 * (measured_at; the same reading from two providers within 60 s counts once, the better-ranked
 * provider wins) and reconciled workouts (start). The order is (instant, source, row key), so a page
 * boundary is a point in that order and rows landing before it never shift later pages.
 *
 * Date semantics (a documented simplification of R4 ranges): a resource is matched by its start
 * instant; a search value covers [lo, hi) by its precision (a date-only value is a day in the user's
 * home zone): eq → lo ≤ start < hi, ge → start ≥ lo, gt → start ≥ hi, le → start < hi, lt → start < lo.
 */

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 1000;
/** Readings of one type from different providers this close are one reading. */
export const SAME_READING_MS = 60_000;

export type Bounds = { lo: number | null; hi: number | null };
const SOURCE_ORDER = { daily: 0, reading: 1, workout: 2 } as const;

/** A position in the sort order: instant, source, row key (metric slug index or uuid). */
export type Cursor = { t: number; s: number; k: string };

export type ObservationQuery = {
  kinds: Kind[];
  date: Bounds;
  lastUpdated: Bounds;
  device: SourceKey | null;
  /** false: the patient/subject asked for is not this user, so nothing matches. */
  subjectMatches: boolean;
  descending: boolean;
  count: number;
  after: Cursor | null;
};

export class SearchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SearchError";
  }
}

// ───────────── parameter values ─────────────

/** Kinds whose code matches any of the comma-separated tokens. */
export function kindsForCodes(values: string[], from: Kind[]): Kind[] {
  let kinds = from;
  for (const v of values) {
    const tokens = v.split(",").map(parseToken);
    kinds = kinds.filter((k) => tokens.some((t) => k.codings.some((c) => codingMatches(c, t))));
  }
  return kinds;
}

export function kindsForCategories(values: string[], from: Kind[]): Kind[] {
  let kinds = from;
  for (const v of values) {
    const tokens = v.split(",").map(parseToken);
    kinds = kinds.filter((k) => {
      const codings = [{ ...categoryOf(k), display: "" }];
      return tokens.some((t) => codings.some((c) => codingMatches(c, t)));
    });
  }
  return kinds;
}

const categoryOf = (k: Kind) =>
  k.category === "sleep"
    ? { system: "urn:healthbridge:fhir:observation-category", code: "sleep" }
    : { system: "http://terminology.hl7.org/CodeSystem/observation-category", code: k.category };

const DATE_VALUE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

/** The [lo, hi) a date search value covers, by its precision. */
export function dateRange(value: string, tz: string): { lo: number; hi: number } {
  const m = DATE_VALUE.exec(value);
  if (!m) throw new SearchError(`"${value}" is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime with a time zone)`);
  const [, y, mo, d, hh, , ss, frac] = m;
  if (hh !== undefined) {
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw new SearchError(`"${value}" is not a valid dateTime`);
    const step = frac ? 1 : ss !== undefined ? 1000 : 60_000;
    const lo = frac ? at : Math.floor(at / step) * step;
    return { lo, hi: lo + step };
  }
  const first = `${y}-${mo ?? "01"}-${d ?? "01"}`;
  if (Number.isNaN(Date.parse(`${first}T00:00:00Z`)) || new Date(`${first}T00:00:00Z`).toISOString().slice(0, 10) !== first)
    throw new SearchError(`"${value}" is not a calendar date`);
  const next = d ? nextDay(first) : mo ? nextMonth(first) : `${Number(y) + 1}-01-01`;
  return { lo: dayStart(first, tz), hi: dayStart(next, tz) };
}
const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const nextMonth = (d: string) => {
  const x = new Date(`${d}T00:00:00Z`);
  x.setUTCMonth(x.getUTCMonth() + 1);
  return x.toISOString().slice(0, 10);
};

/** Intersects every `date`/`_lastUpdated` value (they are ANDed) into one [lo, hi). */
export function dateBounds(values: string[], tz: string): Bounds {
  let lo: number | null = null;
  let hi: number | null = null;
  const atLeast = (v: number) => (lo = lo === null ? v : Math.max(lo, v));
  const below = (v: number) => (hi = hi === null ? v : Math.min(hi, v));
  for (const raw of values) {
    const prefix = /^(eq|ne|gt|ge|lt|le|sa|eb|ap)/.exec(raw)?.[1] ?? "eq";
    const value = /^(eq|ne|gt|ge|lt|le|sa|eb|ap)/.test(raw) ? raw.slice(2) : raw;
    if (!["eq", "gt", "ge", "lt", "le"].includes(prefix)) throw new SearchError(`the date prefix "${prefix}" is not supported (eq, ge, gt, le, lt are)`);
    const r = dateRange(value, tz);
    if (prefix === "eq") {
      atLeast(r.lo);
      below(r.hi);
    } else if (prefix === "ge") atLeast(r.lo);
    else if (prefix === "gt") atLeast(r.hi);
    else if (prefix === "le") below(r.hi);
    else below(r.lo);
  }
  return { lo, hi };
}

export const encodeCursor = (c: Cursor, dir: "next" | "prev") => Buffer.from(JSON.stringify({ ...c, d: dir })).toString("base64url");

export function decodeCursor(token: string): { cursor: Cursor; dir: "next" | "prev" } {
  try {
    const v = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Record<string, unknown>;
    if (typeof v.t === "number" && Number.isFinite(v.t) && typeof v.s === "number" && [0, 1, 2].includes(v.s) && typeof v.k === "string" && (v.d === "next" || v.d === "prev"))
      return { cursor: { t: v.t, s: v.s, k: v.k }, dir: v.d };
  } catch {
    // fall through
  }
  throw new SearchError("_cursor is not a page token from this server; follow the links of a search Bundle");
}

// ───────────── SQL ─────────────

const textArray = (values: readonly string[]) => sql`${`{${values.map((v) => `"${v.replace(/(["\\])/g, "\\$1")}"`).join(",")}}`}::text[]`;

/** Daily metrics in row-key order (by id slug, as the ids sort). */
const DAILY_ORDER = Object.keys(DAILY_KINDS).sort((a, b) => (a.replace(/_/g, "-") < b.replace(/_/g, "-") ? -1 : 1));

function compare(a: { t: number; s: number; k: string }, b: { t: number; s: number; k: string }): number {
  return a.t - b.t || a.s - b.s || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);
}
/** array_position is 1-based; two digits keep the text keys in numeric order for the JS merge. */
const dailyKey = (metric: string) => String(DAILY_ORDER.indexOf(metric) + 1).padStart(2, "0");

type Item = { pos: Cursor; resource: Resource };

type Rank = (t: string) => (p: string) => number;
type Ctx = {
  db: Db;
  userId: string;
  tz: string;
  q: ObservationQuery;
  descending: boolean;
  after: Cursor | null;
  limit: number | null;
  /** Page queries also count every match (`count(*) OVER ()`, before the LIMIT) and push it here. */
  totals?: number[];
  /** The readings' twin ranking, looked up once per search (null: one provider, no twins). */
  rank?: Promise<Rank | null>;
};

/** The total of a page query that carried `count(*) OVER ()` (no row: nothing matched). */
const totalOf = (rows: Array<{ total__?: unknown }>) => Number(rows[0]?.total__ ?? 0);
const totalColumn = (c: Ctx) => (c.totals ? sql`, count(*) OVER () AS total__` : sql``);

/** "after the cursor" in the walking direction, for a source at SOURCE_ORDER `s` with instant `t` and key `k`. */
function keyset(c: Cursor | null, s: number, t: SQL, k: SQL, desc: boolean): SQL {
  if (!c) return sql`true`;
  const cmp = desc ? sql`<` : sql`>`;
  const at = sql`${isoInstant(c.t)}::timestamptz`;
  // Keys are uuids, compared as uuids (byte order = the order of their lowercase text in JS).
  if (s === c.s) return sql`(${t} ${cmp} ${at} OR (${t} = ${at} AND ${k} ${cmp} ${c.k}::uuid))`;
  return (desc ? s < c.s : s > c.s) ? sql`${t} ${desc ? sql`<=` : sql`>=`} ${at}` : sql`${t} ${cmp} ${at}`;
}

function dailyKeyset(c: Cursor | null, tz: string, desc: boolean): SQL {
  if (!c) return sql`true`;
  // Translate the instant to days: start(date) > t ⇔ date ≥ F(t+1ms); start(date) = t ⇔ date = F(t) and it starts at t.
  const after = firstDayStartingAtOrAfter(c.t + 1, tz);
  const atOrAfter = firstDayStartingAtOrAfter(c.t, tz);
  const tieDay = dayStart(atOrAfter, tz) === c.t ? atOrAfter : null;
  const key = sql`array_position(${textArray(DAILY_ORDER)}, metric)`;
  const ck = Number(c.k);
  if (!desc) {
    const strictly = sql`date >= ${after}::date`;
    if (!tieDay || c.s > 0) return strictly;
    return sql`(${strictly} OR (date = ${tieDay}::date AND ${key} > ${ck}))`;
  }
  const strictly = sql`date < ${atOrAfter}::date`;
  if (!tieDay) return strictly;
  if (c.s > 0) return sql`(${strictly} OR date = ${tieDay}::date)`;
  return sql`(${strictly} OR (date = ${tieDay}::date AND ${key} < ${ck}))`;
}

function dayBounds(b: Bounds, tz: string): SQL {
  const parts: SQL[] = [];
  if (b.lo !== null) parts.push(sql`date >= ${firstDayStartingAtOrAfter(b.lo, tz)}::date`);
  if (b.hi !== null) parts.push(sql`date < ${firstDayStartingAtOrAfter(b.hi, tz)}::date`);
  return parts.length ? sql.join(parts, sql` AND `) : sql`true`;
}

function instantBounds(col: SQL, b: Bounds): SQL {
  const parts: SQL[] = [];
  if (b.lo !== null) parts.push(sql`${col} >= ${isoInstant(b.lo)}::timestamptz`);
  if (b.hi !== null) parts.push(sql`${col} < ${isoInstant(b.hi)}::timestamptz`);
  return parts.length ? sql.join(parts, sql` AND `) : sql`true`;
}

const limitSql = (n: number | null) => (n === null ? sql`` : sql`LIMIT ${n}`);

type DailySqlRow = { metric: string; date: string; value: number; unit: string; sources: DailyRow["sources"]; updated_at: string; stages: unknown };

/** The day's main night (reconciled_sleep) gives the sleep value its stages. */
const DAILY_COLUMNS = sql`dv.metric, dv.date::text AS date, dv.value, dv.unit, dv.sources, dv.updated_at,
  CASE WHEN dv.metric = 'sleep' THEN (SELECT json_build_object('deep', rs.deep_s, 'light', rs.light_s, 'rem', rs.rem_s, 'awake', rs.awake_s)
    FROM reconciled_sleep rs WHERE rs.user_id = dv.user_id AND rs.local_date = dv.date AND NOT rs.is_nap ORDER BY rs.asleep_s DESC NULLS LAST LIMIT 1) END AS stages`;

function dailyRow(r: DailySqlRow): DailyRow {
  const stages = (typeof r.stages === "string" ? JSON.parse(r.stages) : r.stages) as DailyRow["stages"];
  return { metric: r.metric, date: r.date, value: Number(r.value), unit: r.unit, sources: typeof r.sources === "string" ? JSON.parse(r.sources) : r.sources, updatedAt: new Date(r.updated_at), stages: stages ?? null };
}

async function dailyItems(c: Ctx, count: boolean): Promise<Item[] | number> {
  const metrics = c.q.kinds.filter((k) => k.source === "daily").map((k) => k.key);
  if (!metrics.length) return count ? 0 : [];
  const device = c.q.device
    ? sql`EXISTS (SELECT 1 FROM jsonb_array_elements(sources) e WHERE e->>'provider' = ${c.q.device.provider}
        AND (e->>'source') IS NOT DISTINCT FROM ${c.q.device.source} AND e->>'status' <> 'left_out')`
    : sql`true`;
  const where = sql`dv.user_id = ${c.userId}::uuid AND dv.metric = ANY(${textArray(metrics)}) AND ${dayBounds(c.q.date, c.tz)}
    AND ${instantBounds(sql`dv.updated_at`, c.q.lastUpdated)} AND ${device}`;
  if (count) return Number(rowsOf<{ n: number }>(await c.db.execute(sql`SELECT count(*)::int AS n FROM daily_value dv WHERE ${where}`))[0].n);
  const dir = c.descending ? sql`DESC` : sql`ASC`;
  const rows = rowsOf<DailySqlRow & { total__?: number }>(
    await c.db.execute(sql`
      SELECT ${DAILY_COLUMNS} ${totalColumn(c)} FROM daily_value dv
      WHERE ${where} AND ${dailyKeyset(c.after, c.tz, c.descending)}
      ORDER BY date ${dir}, array_position(${textArray(DAILY_ORDER)}, metric) ${dir} ${limitSql(c.limit)}`),
  );
  c.totals?.push(totalOf(rows));
  return rows.map((r) => ({
    pos: { t: dayStart(r.date, c.tz), s: SOURCE_ORDER.daily, k: dailyKey(r.metric) },
    resource: dailyObservation(c.userId, dailyRow(r)),
  }));
}

/** Provider rank per reading type as SQL over `provider` of alias `a` (lower is better). */
function rankSql(alias: string, rankings: (t: string) => (p: string) => number, types: string[]): SQL {
  const whens = types.map((t) => {
    const order = [...PROVIDER_IDS].sort((x, y) => rankings(t)(x) - rankings(t)(y) || (x < y ? -1 : 1));
    return sql`WHEN ${t} THEN coalesce(array_position(${textArray(order)}, ${sql.raw(alias)}.provider), 1000)`;
  });
  return sql`(CASE ${sql.raw(alias)}.type ${sql.join(whens, sql` `)} ELSE 1000 END)`;
}

const READING_FAMILY: Record<string, Family> = { heart_rate: "heart", spo2: "heart", respiratory_rate: "heart", bp_systolic: "body", body_temperature: "body", glucose: "body", weight: "body", fat_ratio: "body" };

async function readingRankings(db: Db, userId: string) {
  const own = await userRankings(db, userId);
  return (type: string) => {
    const metric = METRIC_OF_TYPE.get(type) as MetricId | undefined;
    const rank = metric ? own(metric) : ranking(READING_FAMILY[type] ?? "heart");
    return (provider: string) => rank({ provider: provider as (typeof PROVIDER_IDS)[number], source: null });
  };
}

/**
 * The search window widened by the twin distance, as constants on the twin side (with the types):
 * without them the planner hashes every reading of the user and filters by time (seconds for a
 * one-day search over ten years); with them it reads only the window through the index.
 */
function twinBounds(b: Bounds): SQL {
  return instantBounds(sql`o.measured_at`, { lo: b.lo === null ? null : b.lo - SAME_READING_MS, hi: b.hi === null ? null : b.hi + SAME_READING_MS + 1 });
}

/**
 * Whether readings of these types come from two or more providers in the twin-widened window: with
 * one, no reading has a twin and the per-row twin probe is skipped (for a single-watch user that
 * probe was most of a one-day heart-rate search). One index probe per provider on the natural key
 * (measurement.provider is typed ProviderId, so PROVIDER_IDS lists every value it holds).
 * With `countOwn` it also counts the matching readings, which is the total when there are no twins:
 * cheaper than `count(*) OVER ()` on the page query, and no extra round trip.
 */
async function providerProbe(c: Ctx, types: string[], countOwn: boolean): Promise<{ several: boolean; own: number | null }> {
  const own = countOwn ? sql`(SELECT count(*) FROM measurement m WHERE ${readingWhere(c, types, null)})::int` : sql`NULL::int`;
  const rows = rowsOf<{ n: number; own: number | null }>(
    await c.db.execute(sql`SELECT count(*)::int AS n, ${own} AS own FROM unnest(${textArray(PROVIDER_IDS)}) AS p(provider)
      WHERE EXISTS (SELECT 1 FROM measurement o WHERE o.user_id = ${c.userId}::uuid AND o.provider = p.provider
        AND o.type = ANY(${textArray(types)}) AND ${twinBounds(c.q.date)})`),
  );
  return { several: Number(rows[0].n) > 1, own: rows[0].own === null ? null : Number(rows[0].own) };
}

function readingWhere(c: Ctx, types: string[], rank: ((t: string) => (p: string) => number) | null, idFilter?: string): SQL {
  const device = c.q.device ? sql`m.provider = ${c.q.device.provider} AND m.source IS NOT DISTINCT FROM ${c.q.device.source}` : sql`true`;
  const own = sql`m.user_id = ${c.userId}::uuid AND m.type = ANY(${textArray(types)})
    AND ${instantBounds(sql`m.measured_at`, c.q.date)} AND ${instantBounds(sql`m.updated_at`, c.q.lastUpdated)} AND ${device}
    ${idFilter ? sql`AND m.id = ${idFilter}::uuid` : sql``}`;
  if (!rank) return own;
  const better = sql`(${rankSql("o", rank, types)} < ${rankSql("m", rank, types)} OR (${rankSql("o", rank, types)} = ${rankSql("m", rank, types)} AND o.provider < m.provider))`;
  return sql`${own}
    AND NOT EXISTS (SELECT 1 FROM measurement o WHERE o.user_id = m.user_id AND o.type = m.type AND o.provider <> m.provider
      AND o.type = ANY(${textArray(types)}) AND ${twinBounds(c.q.date)} AND o.measured_at BETWEEN m.measured_at - ${`${SAME_READING_MS / 1000} seconds`}::interval AND m.measured_at + ${`${SAME_READING_MS / 1000} seconds`}::interval
      AND ${better}
      -- OFFSET 0 keeps this a per-row index probe; pulled up into an anti join it is hashed on (user, type) and compares every pair.
      OFFSET 0)`;
}

async function readingItems(c: Ctx, count: boolean, idFilter?: string): Promise<Item[] | number> {
  const types = c.q.kinds.filter((k) => k.source === "reading").map((k) => k.key);
  if (!types.length) return count ? 0 : [];
  const dir = c.descending ? sql`DESC` : sql`ASC`;
  type Row = {
    id: string;
    type: string;
    provider: string;
    source: string | null;
    measured_at: string;
    end_at: string | null;
    value: number;
    diastolic: number | null;
    utc_offset_minutes: number | null;
    updated_at: string;
    total__?: number;
  };
  // The blood-pressure panel's diastolic half; a subquery per row, so only when systolic readings can match.
  const diastolic = types.includes("bp_systolic")
    ? sql`(SELECT d.value FROM measurement d WHERE m.type = 'bp_systolic' AND d.user_id = m.user_id AND d.provider = m.provider
         AND d.type = 'bp_diastolic' AND d.measured_at = m.measured_at AND d.source IS NOT DISTINCT FROM m.source LIMIT 1) AS diastolic`
    : sql`NULL::float8 AS diastolic`;
  const run = async (rank: Rank | null, withTotal: boolean): Promise<Row[] | number> => {
    const where = readingWhere(c, types, rank, idFilter);
    if (count) return Number(rowsOf<{ n: number }>(await c.db.execute(sql`SELECT count(*)::int AS n FROM measurement m WHERE ${where}`))[0].n);
    return rowsOf<Row>(
      await c.db.execute(sql`
        SELECT m.id::text AS id, m.type, m.provider, m.source, m.measured_at, m.end_at, m.value, m.utc_offset_minutes, m.updated_at ${withTotal ? totalColumn(c) : sql``}, ${diastolic}
        FROM measurement m
        WHERE ${where} AND ${keyset(c.after, SOURCE_ORDER.reading, sql`m.measured_at`, sql`m.id`, c.descending)}
        ORDER BY m.measured_at ${dir}, m.id ${dir} ${limitSql(c.limit)}`),
    );
  };
  let result: Row[] | number;
  let total: number | null = null;
  if (c.rank) result = await run(await c.rank, true);
  else {
    // First reading query of the search: ask whether twins are possible (and how many readings
    // match, the total without twins) and, beside it, run the query for the usual answer (one
    // provider, no twin probe); only several providers run it again, with the twin probe and total.
    const probe = providerProbe(c, types, Boolean(c.totals) && !count && !idFilter);
    c.rank = probe.then((p) => (p.several ? readingRankings(c.db, c.userId) : null));
    const [rank, optimistic, { own }] = await Promise.all([c.rank, run(null, false), probe]);
    if (rank) result = await run(rank, true);
    else {
      result = optimistic;
      total = own;
    }
  }
  if (count) return result as number;
  const rows = result as Row[];
  c.totals?.push(total ?? totalOf(rows));
  return rows.map((r) => {
    const row: ReadingRow = {
      id: r.id,
      type: r.type,
      provider: r.provider,
      source: r.source,
      measuredAt: new Date(r.measured_at),
      endAt: r.end_at ? new Date(r.end_at) : null,
      value: Number(r.value),
      diastolic: r.diastolic === null ? null : Number(r.diastolic),
      utcOffsetMinutes: r.utc_offset_minutes,
      updatedAt: new Date(r.updated_at),
    };
    return { pos: { t: row.measuredAt.getTime(), s: SOURCE_ORDER.reading, k: r.id }, resource: readingObservation(c.userId, row, c.tz) };
  });
}

async function workoutItems(c: Ctx, count: boolean, idFilter?: string): Promise<Item[] | number> {
  if (!c.q.kinds.some((k) => k.source === "workout")) return count ? 0 : [];
  const device = c.q.device
    ? sql`EXISTS (SELECT 1 FROM jsonb_array_elements(ra.copies) e WHERE e->>'provider' = ${c.q.device.provider}
        AND (e->>'source') IS NOT DISTINCT FROM ${c.q.device.source})`
    : sql`true`;
  const where = sql`ra.user_id = ${c.userId}::uuid AND ${instantBounds(sql`ra.start_at`, c.q.date)}
    AND ${instantBounds(sql`ra.updated_at`, c.q.lastUpdated)} AND ${device} ${idFilter ? sql`AND ra.primary_id = ${idFilter}::uuid` : sql``}`;
  if (count) return Number(rowsOf<{ n: number }>(await c.db.execute(sql`SELECT count(*)::int AS n FROM reconciled_activity ra WHERE ${where}`))[0].n);
  const dir = c.descending ? sql`DESC` : sql`ASC`;
  const rows = rowsOf<Record<string, unknown>>(
    await c.db.execute(sql`
      SELECT ra.primary_id::text AS primary_id, ra.type, ra.name, ra.start_at, ra.end_at, ra.utc_offset_minutes, ra.duration_s ${totalColumn(c)},
        ra.distance_m, ra.energy_kcal, ra.avg_hr, ra.max_hr, ra.copies, ra.updated_at,
        (SELECT coalesce(json_agg(json_build_object('provider', a.provider, 'externalId', a.external_id) ORDER BY a.provider, a.external_id), '[]'::json)
           FROM activity a WHERE a.user_id = ra.user_id AND a.id::text IN (SELECT e->>'id' FROM jsonb_array_elements(ra.copies) e)) AS external_ids
      FROM reconciled_activity ra
      WHERE ${where} AND ${keyset(c.after, SOURCE_ORDER.workout, sql`ra.start_at`, sql`ra.primary_id`, c.descending)}
      ORDER BY ra.start_at ${dir}, ra.primary_id ${dir} ${limitSql(c.limit)}`),
  );
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  c.totals?.push(totalOf(rows));
  return rows.map((r) => {
    const row: WorkoutRow = {
      primaryId: r.primary_id as string,
      type: r.type as string,
      name: (r.name as string | null) ?? null,
      startAt: new Date(r.start_at as string),
      endAt: r.end_at ? new Date(r.end_at as string) : null,
      utcOffsetMinutes: num(r.utc_offset_minutes),
      durationS: num(r.duration_s),
      distanceM: num(r.distance_m),
      energyKcal: num(r.energy_kcal),
      avgHr: num(r.avg_hr),
      maxHr: num(r.max_hr),
      copies: (typeof r.copies === "string" ? JSON.parse(r.copies) : r.copies) as WorkoutRow["copies"],
      externalIds: (typeof r.external_ids === "string" ? JSON.parse(r.external_ids) : r.external_ids) as WorkoutRow["externalIds"],
      updatedAt: new Date(r.updated_at as string),
    };
    return { pos: { t: row.startAt.getTime(), s: SOURCE_ORDER.workout, k: row.primaryId }, resource: workoutObservation(c.userId, row, c.tz) };
  });
}

const SOURCES: Array<(c: Ctx, count: boolean) => Promise<Item[] | number>> = [dailyItems, readingItems, workoutItems];

export type SearchPage = { items: Item[]; more: boolean };

/** Daily values and workouts are rebuilt from marked days first; readings are read as stored, so a readings-only search skips it. */
async function reconciledFor(db: Db, userId: string, q: ObservationQuery): Promise<void> {
  if (q.kinds.some((k) => k.source !== "reading")) await reconcilePending(db, userId);
}

async function pageIn(c: Ctx): Promise<SearchPage> {
  const all = (await Promise.all(SOURCES.map((f) => f(c, false)))).flat() as Item[];
  all.sort((a, b) => (c.descending ? -compare(a.pos, b.pos) : compare(a.pos, b.pos)));
  return { items: all.slice(0, c.q.count), more: all.length > c.q.count };
}

async function countIn(c: Ctx): Promise<number> {
  let total = 0;
  for (const f of SOURCES) total += (await f(c, true)) as number;
  return total;
}

/**
 * Up to `count` Observations after `after` in the walking direction (`descending`), and whether
 * more follow. Each source is asked for count + 1 rows in the same order, then merged.
 */
export async function searchObservations(db: Db, userId: string, tz: string, q: ObservationQuery, walk: { descending: boolean; after: Cursor | null }): Promise<SearchPage> {
  if (!q.subjectMatches || !q.kinds.length) return { items: [], more: false };
  await reconciledFor(db, userId, q);
  return pageIn({ db, userId, tz, q, ...walk, limit: q.count + 1 });
}

/**
 * A page and the search's total, as a search Bundle needs them: one reconcile check and one twin
 * ranking for both, and on the first page the total comes with the rows (`count(*) OVER ()`), so a
 * page costs about what its bare SQL does. A later page's keyset hides earlier rows: it counts apart.
 */
export async function searchWithTotal(db: Db, userId: string, tz: string, q: ObservationQuery, walk: { descending: boolean; after: Cursor | null }): Promise<SearchPage & { total: number }> {
  if (!q.subjectMatches || !q.kinds.length) return { items: [], more: false, total: 0 };
  await reconciledFor(db, userId, q);
  const first = walk.after === null;
  const c: Ctx = { db, userId, tz, q, ...walk, limit: q.count + 1, ...(first ? { totals: [] } : {}) };
  const page = await pageIn(c);
  const total = first ? c.totals!.reduce((a, b) => a + b, 0) : await countIn({ ...c, descending: false, after: null, limit: null, totals: undefined });
  return { ...page, total };
}

export async function countObservations(db: Db, userId: string, tz: string, q: ObservationQuery): Promise<number> {
  if (!q.subjectMatches || !q.kinds.length) return 0;
  await reconciledFor(db, userId, q);
  return countIn({ db, userId, tz, q, descending: false, after: null, limit: null });
}

/** One Observation by id, or why not: "gone" for a workout whose record was deleted at its source. */
export async function readObservation(db: Db, userId: string, tz: string, ref: NonNullable<import("./resources").ObservationRef>): Promise<Resource | "gone" | null> {
  await reconcilePending(db, userId);
  const q: ObservationQuery = { kinds: ALL_KINDS, date: { lo: null, hi: null }, lastUpdated: { lo: null, hi: null }, device: null, subjectMatches: true, descending: false, count: 1, after: null };
  const c: Ctx = { db, userId, tz, q, descending: false, after: null, limit: 1 };
  if (ref.source === "daily") {
    const rows = rowsOf<DailySqlRow>(
      await db.execute(sql`SELECT ${DAILY_COLUMNS} FROM daily_value dv
        WHERE dv.user_id = ${userId}::uuid AND dv.metric = ${ref.metric} AND dv.date = ${ref.date}::date`),
    );
    return rows[0] ? dailyObservation(userId, dailyRow(rows[0])) : null;
  }
  if (ref.source === "reading") {
    const items = (await readingItems({ ...c, q: { ...q, kinds: Object.values(READING_KINDS) } }, false, ref.id)) as Item[];
    return items[0]?.resource ?? null;
  }
  const items = (await workoutItems(c, false, ref.id)) as Item[];
  if (items[0]) return items[0].resource;
  const gone = rowsOf<{ deleted: boolean }>(
    await db.execute(sql`SELECT deleted_at IS NOT NULL AS deleted FROM activity WHERE user_id = ${userId}::uuid AND id = ${ref.id}::uuid`),
  );
  return gone[0]?.deleted ? "gone" : null;
}

/** Every source the user has data from (Devices), sorted by id. */
export async function userSources(db: Db, userId: string): Promise<SourceKey[]> {
  const rows = rowsOf<{ provider: string; source: string | null }>(
    await db.execute(sql`
      SELECT DISTINCT provider, source FROM (
        SELECT provider, source FROM measurement WHERE user_id = ${userId}::uuid
        UNION SELECT provider, source FROM activity WHERE user_id = ${userId}::uuid
        UNION SELECT provider, source FROM sleep_session WHERE user_id = ${userId}::uuid
        UNION SELECT provider, NULL FROM daily_summary WHERE user_id = ${userId}::uuid
        UNION SELECT provider, NULL FROM provider_connection WHERE user_id = ${userId}::uuid
      ) s`),
  );
  return rows.map((r) => ({ provider: r.provider, source: r.source })).sort((a, b) => (deviceId(a) < deviceId(b) ? -1 : 1));
}
