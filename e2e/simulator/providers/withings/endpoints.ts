import { requireToken } from "../../oauth2";
import { WITHINGS_STATUS, withingsStyle } from "./oauth";
import { bearerToken, json, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import { addDays, epoch, isDay, localDay, type GenRecord } from "../../data/core";
import { simData } from "../../data/generator";
import { metered, params } from "../../data/http";

/**
 * Withings data calls (providers.md §8), POST form or GET query, Bearer, answered `{status, body}`
 * with HTTP 200 (601 when over 120 requests/minute for the app):
 * - `/measure` action=getmeas: meastype|meastypes, category (1 default, 2 goals → none generated),
 *   startdate/enddate (epoch, inclusive) or lastupdate (modified after it), offset → measuregrps
 *   newest first, `more` 0|1.
 * - `/v2/measure` action=getworkouts | getactivity and `/v2/sleep` action=getsummary:
 *   startdateymd/enddateymd (inclusive) or lastupdate — not both — data_fields, offset → `more`
 *   true|false. Fields of `data` (getactivity: of the day) come back only when listed in
 *   data_fields; without data_fields all are sent (UNCONFIRMED default).
 * Page size WITHINGS_PAGE_SIZE and the newest-first order are UNCONFIRMED.
 */

const HOST = "wbsapi.withings.net";
export const WITHINGS_PAGE_SIZE = 100;

const status = (code: number, error: string) => json(200, { status: code, body: {}, error });
const invalid = (message: string) => status(WITHINGS_STATUS.invalidParams, `Invalid Params: ${message}`);

const ACTIVITY_FIELDS = ["steps", "distance", "elevation", "soft", "moderate", "intense", "active", "calories", "totalcalories", "hr_average", "hr_min", "hr_max", "hr_zone_0", "hr_zone_1", "hr_zone_2", "hr_zone_3"];

type Handler = (ctx: RequestContext, p: URLSearchParams, account: string) => SimResponse;

function guarded(scope: string, actions: Record<string, Handler>) {
  return (ctx: RequestContext): SimResponse => {
    const p = params(ctx);
    const auth = requireToken(ctx, withingsStyle, { token: bearerToken(ctx) ?? p.get("access_token"), scope });
    if (!auth.ok) return auth.response;
    const { grant } = auth;
    return metered(ctx, "withings", grant.clientId, () => {
      const action = p.get("action") ?? "";
      const handle = actions[action];
      return handle ? handle(ctx, p, grant.account) : invalid(`unknown action "${action}"`);
    });
  };
}

function intOf(p: URLSearchParams, name: string): number | null | "bad" {
  const v = p.get(name);
  if (v === null || v === "") return null;
  return /^\d+$/.test(v) ? Number(v) : "bad";
}

/** Matches a page starting at `offset` needs: its items, and one more to know whether there is `more`. */
const enough = (offset: number | null) => (offset ?? 0) + WITHINGS_PAGE_SIZE + 1;

/** One page of an ordered list: `{items, more, offset}` with offset = where the next page starts. */
function page<T>(items: T[], offset: number): { items: T[]; more: boolean; next: number } {
  const slice = items.slice(offset, offset + WITHINGS_PAGE_SIZE);
  const more = offset + WITHINGS_PAGE_SIZE < items.length;
  return { items: slice, more, next: more ? offset + WITHINGS_PAGE_SIZE : 0 };
}

function getmeas(ctx: RequestContext, p: URLSearchParams, account: string): SimResponse {
  const ints = Object.fromEntries(["startdate", "enddate", "lastupdate", "offset", "category", "meastype"].map((k) => [k, intOf(p, k)]));
  const badKey = Object.keys(ints).find((k) => ints[k] === "bad");
  if (badKey) return invalid(`${badKey} must be an integer`);
  const { startdate, enddate, lastupdate, offset, category, meastype } = ints as Record<string, number | null>;
  const types = meastype !== null ? [meastype] : p.get("meastypes") ? p.get("meastypes")!.split(",").map(Number) : null;
  if (types?.some((t) => !Number.isInteger(t))) return invalid("meastypes must be integers");
  const store = simData(ctx.state);
  const tz = store.timezone("withings", account);
  const groups: Array<Record<string, unknown>> = [];
  if ((category ?? 1) === 1) {
    const fromDay = startdate !== null && lastupdate === null ? addDays(localDay(startdate * 1000, tz), -1) : undefined;
    const toDay = enddate !== null && lastupdate === null ? addDays(localDay(enddate * 1000, tz), 1) : undefined;
    for (const r of store.walk("withings", account, "measures", { fromDay, toDay, order: "desc" })) {
      const date = Number(r.body.date);
      if (lastupdate !== null) {
        if (Number(r.body.modified) <= lastupdate) continue;
      } else if ((startdate !== null && date < startdate) || (enddate !== null && date > enddate)) continue;
      const measures = (r.body.measures as Array<{ type: number }>).filter((m) => !types || types.includes(m.type));
      if (measures.length) groups.push({ ...r.body, measures });
      if (groups.length >= enough(offset)) break;
    }
  }
  const pg = page(groups, offset ?? 0);
  return json(200, { status: 0, body: { updatetime: epoch(ctx.state.now()), timezone: tz, measuregrps: pg.items, more: pg.more ? 1 : 0, offset: pg.next } });
}

/** getworkouts / getactivity / getsummary share the date-or-lastupdate selection. */
function series(resource: string, key: string, filterFields: (body: Record<string, unknown>, fields: Set<string>) => Record<string, unknown>): Handler {
  return (ctx, p, account) => {
    const start = p.get("startdateymd");
    const end = p.get("enddateymd");
    const lastupdate = intOf(p, "lastupdate");
    const offset = intOf(p, "offset");
    if (lastupdate === "bad" || offset === "bad") return invalid("lastupdate and offset must be integers");
    if (lastupdate !== null && (start || end)) return invalid("lastupdate and startdateymd/enddateymd are mutually exclusive");
    if (lastupdate === null && (!start || !end)) return invalid("give startdateymd and enddateymd, or lastupdate");
    if (lastupdate === null && (!isDay(start!) || !isDay(end!) || end! < start!)) return invalid("startdateymd/enddateymd must be YYYY-MM-DD, start ≤ end");
    const fields = p.get("data_fields") ? new Set(p.get("data_fields")!.split(",").map((f) => f.trim())) : null;
    const store = simData(ctx.state);
    const picked: GenRecord[] = [];
    const range = lastupdate === null ? { fromDay: start!, toDay: end! } : {};
    for (const r of store.walk("withings", account, resource, { ...range, order: "desc" })) {
      if (lastupdate !== null ? Number(r.body.modified) <= lastupdate : r.day < start! || r.day > end!) continue;
      picked.push(r);
      if (picked.length >= enough(offset)) break;
    }
    const pg = page(picked, offset ?? 0);
    return json(200, { status: 0, body: { [key]: pg.items.map((r) => (fields ? filterFields(r.body, fields) : r.body)), more: pg.more, offset: pg.next } });
  };
}

const pickData = (body: Record<string, unknown>, fields: Set<string>) => ({
  ...body,
  data: Object.fromEntries(Object.entries(body.data as Record<string, unknown>).filter(([k]) => fields.has(k))),
});
const pickTop = (body: Record<string, unknown>, fields: Set<string>) => Object.fromEntries(Object.entries(body).filter(([k]) => !ACTIVITY_FIELDS.includes(k) || fields.has(k)));

export const withingsDataRoutes: RouteSpec[] = (["POST", "GET"] as const).flatMap((method): RouteSpec[] => [
  { method, host: HOST, path: "/measure", name: "measure", handler: guarded("user.metrics", { getmeas }) },
  {
    method,
    host: HOST,
    path: "/v2/measure",
    name: "v2/measure",
    handler: guarded("user.activity", { getworkouts: series("workouts", "series", pickData), getactivity: series("activity", "activities", pickTop) }),
  },
  { method, host: HOST, path: "/v2/sleep", name: "v2/sleep", handler: guarded("user.activity", { getsummary: series("sleep_summary", "series", pickData) }) },
]);
