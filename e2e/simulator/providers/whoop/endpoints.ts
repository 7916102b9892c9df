import { requireToken } from "../../oauth2";
import { whoopStyle } from "./oauth";
import { json, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import { addDays, localDay } from "../../data/core";
import { simData } from "../../data/generator";
import { decodeToken, encodeToken, instantParam, intParam, metered } from "../../data/http";

/**
 * WHOOP API v2 collections (providers.md §4): `limit` ≤ 25 (default 10), `start` inclusive, `end`
 * exclusive (default now), `nextToken` → `{records, next_token}`, newest first by start (recoveries:
 * by the start of their sleep). Records are selected by their start time (the spec's "intersect"
 * wording for long records is not modelled; UNCONFIRMED). Also the by-id reads webhooks point at.
 * Budget per app.
 */

const HOST = "api.prod.whoop.com";
export const WHOOP_MAX_LIMIT = 25;

const SCOPES: Record<string, string> = { workout: "read:workout", sleep: "read:sleep", recovery: "read:recovery", cycle: "read:cycles" };

const badRequest = (message: string) => json(400, { error: "bad_request", message });

function collection(resource: string) {
  return (ctx: RequestContext): SimResponse => {
    const auth = requireToken(ctx, whoopStyle, { scope: SCOPES[resource] });
    if (!auth.ok) return auth.response;
    const { grant } = auth;
    return metered(ctx, "whoop", grant.clientId, () => {
      const limit = intParam(ctx.query, "limit", 10, 1, WHOOP_MAX_LIMIT);
      if (!limit.ok) return badRequest(limit.message);
      const start = instantParam(ctx.query, "start");
      const end = instantParam(ctx.query, "end");
      if (!start.ok) return badRequest(start.message);
      if (!end.ok) return badRequest(end.message);
      const endMs = end.value ?? ctx.state.now();
      const startMs = start.value;
      const cursor = decodeToken<{ at: number; id: string }>(ctx.query.get("nextToken"));
      if (cursor === "invalid") return badRequest("invalid nextToken");
      const store = simData(ctx.state);
      const tz = store.timezone("whoop", grant.account);
      const toDay = addDays(localDay(Math.min(endMs, cursor?.at ?? endMs), tz), 1);
      const fromDay = startMs !== null ? addDays(localDay(startMs, tz), -1) : undefined;
      const records: Array<{ at: number; id: string; body: unknown }> = [];
      let more = false;
      for (const r of store.walk("whoop", grant.account, resource, { fromDay, toDay, order: "desc" })) {
        if (r.at >= endMs || (startMs !== null && r.at < startMs)) continue;
        if (cursor && (r.at > cursor.at || (r.at === cursor.at && r.id >= cursor.id))) continue;
        if (records.length === limit.value) {
          more = true;
          break;
        }
        records.push(r);
      }
      const last = records[records.length - 1];
      return json(200, { records: records.map((r) => r.body), next_token: more && last ? encodeToken({ at: last.at, id: last.id }) : null });
    });
  };
}

function byId(resource: string, param: string, match: (body: Record<string, unknown>, id: string) => boolean) {
  return (ctx: RequestContext): SimResponse => {
    const auth = requireToken(ctx, whoopStyle, { scope: SCOPES[resource] });
    if (!auth.ok) return auth.response;
    const { grant } = auth;
    return metered(ctx, "whoop", grant.clientId, () => {
      for (const r of simData(ctx.state).walk("whoop", grant.account, resource, { order: "desc" })) if (match(r.body, ctx.params[param])) return json(200, r.body);
      return json(404, { error: "not_found", message: `No ${resource} found` });
    });
  };
}

function body(ctx: RequestContext): SimResponse {
  const auth = requireToken(ctx, whoopStyle, { scope: "read:body_measurement" });
  if (!auth.ok) return auth.response;
  const { grant } = auth;
  return metered(ctx, "whoop", grant.clientId, () => json(200, simData(ctx.state).expectedRecords("whoop", grant.account, "body_measurement")[0]));
}

const idIs = (b: Record<string, unknown>, id: string) => String(b.id) === id;
const cycleIs = (b: Record<string, unknown>, id: string) => String(b.cycle_id) === id;

export const whoopDataRoutes: RouteSpec[] = [
  { method: "GET", host: HOST, path: "/developer/v2/activity/workout", name: "activity/workout", handler: collection("workout") },
  { method: "GET", host: HOST, path: "/developer/v2/activity/workout/:id", name: "activity/workout/id", handler: byId("workout", "id", idIs) },
  { method: "GET", host: HOST, path: "/developer/v2/activity/sleep", name: "activity/sleep", handler: collection("sleep") },
  { method: "GET", host: HOST, path: "/developer/v2/activity/sleep/:id", name: "activity/sleep/id", handler: byId("sleep", "id", idIs) },
  { method: "GET", host: HOST, path: "/developer/v2/recovery", name: "recovery", handler: collection("recovery") },
  { method: "GET", host: HOST, path: "/developer/v2/cycle", name: "cycle", handler: collection("cycle") },
  { method: "GET", host: HOST, path: "/developer/v2/cycle/:id", name: "cycle/id", handler: byId("cycle", "id", idIs) },
  { method: "GET", host: HOST, path: "/developer/v2/cycle/:id/recovery", name: "cycle/id/recovery", handler: byId("recovery", "id", cycleIs) },
  { method: "GET", host: HOST, path: "/developer/v2/cycle/:id/sleep", name: "cycle/id/sleep", handler: byId("sleep", "id", cycleIs) },
  { method: "GET", host: HOST, path: "/developer/v2/user/measurement/body", name: "user/measurement/body", handler: body },
];
