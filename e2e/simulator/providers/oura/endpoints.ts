import { requireToken } from "../../oauth2";
import { ouraStyle } from "./oauth";
import { json, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import { addDays, dayNumber, localDay } from "../../data/core";
import { simData } from "../../data/generator";
import { dayParam, decodeToken, encodeToken, instantParam, metered } from "../../data/http";

/**
 * Oura API v2 `GET /v2/usercollection/<type>?start_date&end_date&next_token` → `{data, next_token}`
 * (providers.md §3), documents filtered on their `day`; `heartrate?start_datetime&end_datetime`.
 * Choices where providers.md is silent (UNCONFIRMED): `end_date` is inclusive and defaults to
 * today, `start_date` to the day before; pages hold OURA_PAGE_SIZE documents (heart rate:
 * OURA_HR_PAGE_SIZE samples); heart rate takes [start_datetime, end_datetime) of at most
 * OURA_HR_MAX_DAYS (default: the last day). Scopes: workout → `workout`, heartrate → `heartrate`,
 * the rest → `daily`. Budget per app.
 */

const HOST = "api.ouraring.com";
export const OURA_PAGE_SIZE = 100;
export const OURA_HR_PAGE_SIZE = 500;
export const OURA_HR_MAX_DAYS = 30;

const DOCS: Record<string, string> = { workout: "workout", sleep: "daily", daily_activity: "daily", daily_readiness: "daily", daily_sleep: "daily" };

const problem = (status: number, title: string, detail: string) => json(status, { status, title, detail });

function collection(resource: string) {
  return (ctx: RequestContext): SimResponse => {
    const auth = requireToken(ctx, ouraStyle, { scope: DOCS[resource] });
    if (!auth.ok) return auth.response;
    const { grant } = auth;
    return metered(ctx, "oura", grant.clientId, () => {
      const store = simData(ctx.state);
      const today = localDay(ctx.state.now(), store.timezone("oura", grant.account));
      const start = dayParam(ctx.query, "start_date");
      const end = dayParam(ctx.query, "end_date");
      if (!start.ok) return problem(400, "Bad Request", start.message);
      if (!end.ok) return problem(400, "Bad Request", end.message);
      const endDate = end.value ?? today;
      const startDate = start.value ?? addDays(endDate, -1);
      if (startDate > endDate) return problem(400, "Bad Request", "start_date must not be after end_date");
      // The token says where the next page starts: the day of its first document, and how many of
      // that day's documents came before (so a page is read from there, not from start_date).
      const token = decodeToken<{ s: string; e: string; d: string; k: number }>(ctx.query.get("next_token"));
      if (token === "invalid" || (token && (token.s !== startDate || token.e !== endDate))) return problem(400, "Bad Request", "invalid next_token");
      const page: Array<{ day: string; body: unknown }> = [];
      let skip = token?.k ?? 0;
      let more = false;
      for (const r of store.walk("oura", grant.account, resource, { fromDay: token?.d ?? startDate, toDay: endDate })) {
        if (r.day < startDate || r.day > endDate) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        if (page.length === OURA_PAGE_SIZE) {
          more = true;
          break;
        }
        page.push(r);
      }
      const last = page[page.length - 1];
      const before = token && last?.day === token.d ? token.k : 0;
      const next = more && last ? { s: startDate, e: endDate, d: last.day, k: before + page.filter((r) => r.day === last.day).length } : null;
      return json(200, { data: page.map((r) => r.body), next_token: next ? encodeToken(next) : null });
    });
  };
}

function document(resource: string) {
  return (ctx: RequestContext): SimResponse => {
    const auth = requireToken(ctx, ouraStyle, { scope: DOCS[resource] });
    if (!auth.ok) return auth.response;
    const { grant } = auth;
    return metered(ctx, "oura", grant.clientId, () => {
      for (const r of simData(ctx.state).walk("oura", grant.account, resource, { order: "desc" })) if (r.id === ctx.params.documentId) return json(200, r.body);
      return problem(404, "Not Found", `no ${resource} document ${ctx.params.documentId}`);
    });
  };
}

function heartrate(ctx: RequestContext): SimResponse {
  const auth = requireToken(ctx, ouraStyle, { scope: "heartrate" });
  if (!auth.ok) return auth.response;
  const { grant } = auth;
  return metered(ctx, "oura", grant.clientId, () => {
    const store = simData(ctx.state);
    const tz = store.timezone("oura", grant.account);
    const start = instantParam(ctx.query, "start_datetime");
    const end = instantParam(ctx.query, "end_datetime");
    if (!start.ok) return problem(400, "Bad Request", start.message);
    if (!end.ok) return problem(400, "Bad Request", end.message);
    const endMs = end.value ?? ctx.state.now();
    const startMs = start.value ?? endMs - 86_400_000;
    if (startMs >= endMs) return problem(400, "Bad Request", "start_datetime must be before end_datetime");
    if (endMs - startMs > OURA_HR_MAX_DAYS * 86_400_000) return problem(400, "Bad Request", `the range may span at most ${OURA_HR_MAX_DAYS} days`);
    const token = decodeToken<{ s: number; e: number; o: number }>(ctx.query.get("next_token"));
    if (token === "invalid" || (token && (token.s !== startMs || token.e !== endMs))) return problem(400, "Bad Request", "invalid next_token");
    const offset = token?.o ?? 0;
    const page: unknown[] = [];
    let seen = 0;
    let more = false;
    const fromDay = addDays(localDay(startMs, tz), -1);
    const toDay = addDays(localDay(endMs, tz), 1);
    if (dayNumber(toDay) - dayNumber(fromDay) > OURA_HR_MAX_DAYS + 3) return problem(400, "Bad Request", "range too long");
    for (const r of store.walk("oura", grant.account, "heartrate", { fromDay, toDay })) {
      if (r.at < startMs || r.at >= endMs) continue;
      if (seen++ < offset) continue;
      if (page.length === OURA_HR_PAGE_SIZE) {
        more = true;
        break;
      }
      page.push(r.body);
    }
    return json(200, { data: page, next_token: more ? encodeToken({ s: startMs, e: endMs, o: offset + OURA_HR_PAGE_SIZE }) : null });
  });
}

export const ouraDataRoutes: RouteSpec[] = [
  { method: "GET", host: HOST, path: "/v2/usercollection/heartrate", name: "usercollection/heartrate", handler: heartrate },
  ...Object.keys(DOCS).flatMap((resource): RouteSpec[] => [
    { method: "GET", host: HOST, path: `/v2/usercollection/${resource}`, name: `usercollection/${resource}`, handler: collection(resource) },
    { method: "GET", host: HOST, path: `/v2/usercollection/${resource}/:documentId`, name: `usercollection/${resource}/id`, handler: document(resource) },
  ]),
];
