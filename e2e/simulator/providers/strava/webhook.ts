import { z } from "zod";
import { randomHex, seededInt } from "../../ids";
import { simData } from "../../data/generator";
import { metered } from "../../data/http";
import { requireToken } from "../../oauth2";
import { stravaAthleteId, stravaStyle } from "./oauth";
import { bearerToken, empty, json, type RequestContext, type SimResponse } from "../../router";
import type { SimulatorState } from "../../state";
import { bagged, epochSeconds, type SimWebhook } from "../../webhooks/common";
import { appWebhookUrl, NoWebhookTargetError, send } from "../../webhooks/delivery";

/**
 * Strava push subscriptions (providers.md §1): one per app. Creating one makes Strava GET the
 * callback with `hub.mode=subscribe&hub.challenge=X&hub.verify_token=T` and expect 200
 * `{"hub.challenge":"X"}` (within 2 s). Events: `{object_type, object_id, aspect_type, updates,
 * owner_id, subscription_id, event_time}`, unsigned.
 * UNCONFIRMED: error bodies of push_subscriptions (Strava's usual `{message, errors:[…]}` is used),
 * 201 on create.
 */

const HOST = "www.strava.com";
const HANDSHAKE_TIMEOUT_MS = 2_000;

type Subscription = { id: number; clientId: string; callbackUrl: string; verifyToken: string; createdAt: string };
const subs = (state: SimulatorState) => bagged(state, "strava", () => ({ current: null as Subscription | null }));

const fault = (status: number, field: string, code: string): SimResponse =>
  json(status, { message: status === 401 ? "Authorization Error" : "Bad Request", errors: [{ resource: "PushSubscription", field, code }] });

/** client_id + client_secret from the form, the query or a JSON body. */
function clientOk(ctx: RequestContext): { ok: true; clientId: string } | { ok: false; response: SimResponse } {
  const body = (ctx.json ?? {}) as Record<string, unknown>;
  const get = (k: string) => ctx.form.get(k) ?? ctx.query.get(k) ?? (typeof body[k] === "string" || typeof body[k] === "number" ? String(body[k]) : null);
  const client = ctx.state.clients.strava;
  if (!client || get("client_id") !== client.clientId || get("client_secret") !== client.clientSecret) {
    return { ok: false, response: fault(401, "client_id", "invalid") };
  }
  return { ok: true, clientId: client.clientId };
}

async function create(ctx: RequestContext): Promise<SimResponse> {
  const auth = clientOk(ctx);
  if (!auth.ok) return auth.response;
  const body = (ctx.json ?? {}) as Record<string, unknown>;
  const get = (k: string) => ctx.form.get(k) ?? ctx.query.get(k) ?? (typeof body[k] === "string" ? (body[k] as string) : null);
  const callbackUrl = get("callback_url");
  const verifyToken = get("verify_token");
  if (!callbackUrl) return fault(400, "callback url", "missing");
  if (!verifyToken) return fault(400, "verify token", "missing");
  if (subs(ctx.state).current) return fault(400, "callback url", "already exists");

  const challenge = randomHex(12);
  const url = new URL(callbackUrl);
  url.searchParams.set("hub.mode", "subscribe");
  url.searchParams.set("hub.challenge", challenge);
  url.searchParams.set("hub.verify_token", verifyToken);
  const d = await send(ctx.state, { provider: "strava", kind: "handshake", method: "GET", url: url.toString() });
  let echoed: unknown;
  try {
    echoed = (JSON.parse(d.responseBody) as Record<string, unknown>)["hub.challenge"];
  } catch {
    echoed = undefined;
  }
  if (d.status !== 200 || echoed !== challenge || d.ms > HANDSHAKE_TIMEOUT_MS) {
    return fault(400, "callback url", "GET to callback URL does not return 200");
  }
  const sub: Subscription = {
    id: seededInt(`strava-sub:${randomHex(4)}`, 100_000, 999_999),
    clientId: auth.clientId,
    callbackUrl,
    verifyToken,
    createdAt: new Date(ctx.state.now()).toISOString(),
  };
  subs(ctx.state).current = sub;
  return json(201, { id: sub.id });
}

/**
 * `GET /api/v3/activities/{id}`: what the app reads after an activity event (the data module serves
 * only the list). Same auth and budget as the list; another athlete's id is a 404.
 */
function activityById(ctx: RequestContext): SimResponse {
  const auth = requireToken(ctx, stravaStyle, { token: bearerToken(ctx) ?? ctx.query.get("access_token") });
  if (!auth.ok) return auth.response;
  return metered(ctx, "strava", auth.grant.clientId, () => {
    for (const r of simData(ctx.state).walk("strava", auth.grant.account, "activities", { order: "desc" })) {
      if (String(r.body.id) === ctx.params.id) return json(200, { ...r.body, resource_state: 3 });
    }
    return json(404, { message: "Record Not Found", errors: [{ resource: "Activity", field: "id", code: "invalid" }] });
  });
}

const view = (s: Subscription) => ({
  id: s.id,
  resource_state: 2,
  application_id: s.clientId,
  callback_url: s.callbackUrl,
  created_at: s.createdAt,
  updated_at: s.createdAt,
});

const input = z
  .object({
    objectType: z.enum(["activity", "athlete"]).default("activity"),
    objectId: z.union([z.string().regex(/^\d{1,20}$/), z.number().int()]).optional(),
    aspectType: z.enum(["create", "update", "delete"]).default("create"),
    updates: z.record(z.string(), z.string()).optional(),
    eventTime: z.number().int().optional(),
  })
  .strict();

async function deliverEvent(state: SimulatorState, account: string, i: z.infer<typeof input>) {
  const sub = subs(state).current;
  const url = sub?.callbackUrl ?? appWebhookUrl(state, "strava");
  if (!url) throw new NoWebhookTargetError("no Strava push subscription and no webhook target");
  const ownerId = Number(stravaAthleteId(account));
  if (i.objectType === "athlete" && i.updates?.authorized === "false") {
    // Strava sends this after the athlete revoked the app: every token of theirs is dead by then.
    for (const g of state.grants.values()) if (g.provider === "strava" && g.account === account) state.revokeGrant(g.id);
  }
  const event = {
    aspect_type: i.aspectType,
    event_time: i.eventTime ?? epochSeconds(state),
    object_id: i.objectType === "athlete" ? ownerId : Number(i.objectId ?? seededInt(randomHex(4), 1e10, 9e10)),
    object_type: i.objectType,
    owner_id: ownerId,
    subscription_id: sub?.id ?? 0,
    updates: i.updates ?? {},
  };
  return [await send(state, { provider: "strava", kind: "notice", url, headers: { "content-type": "application/json" }, body: JSON.stringify(event) })];
}

export const stravaWebhooks: SimWebhook<z.infer<typeof input>> = {
  provider: "strava",
  subscriptions: (state) => stravaSubscription(state),
  input,
  routes: [
    { method: "GET", host: HOST, path: "/api/v3/activities/:id", name: "activities/id", handler: activityById },
    { method: "POST", host: HOST, path: "/api/v3/push_subscriptions", name: "push_subscriptions:create", handler: create },
    {
      method: "GET",
      host: HOST,
      path: "/api/v3/push_subscriptions",
      name: "push_subscriptions:list",
      handler: (ctx) => {
        const auth = clientOk(ctx);
        if (!auth.ok) return auth.response;
        const sub = subs(ctx.state).current;
        return json(200, sub ? [view(sub)] : []);
      },
    },
    {
      method: "DELETE",
      host: HOST,
      path: "/api/v3/push_subscriptions/:id",
      name: "push_subscriptions:delete",
      handler: (ctx) => {
        const auth = clientOk(ctx);
        if (!auth.ok) return auth.response;
        const s = subs(ctx.state);
        if (!s.current || String(s.current.id) !== ctx.params.id) return json(404, { message: "Resource Not Found", errors: [{ resource: "PushSubscription", field: "id", code: "not found" }] });
        s.current = null;
        return empty(204);
      },
    },
  ],
  deliver: deliverEvent,
  async onDataChange(state, change) {
    if (change.resource !== "activities" || !subs(state).current) return [];
    const out = [];
    for (const record of change.records) {
      const id = (record as { id?: unknown }).id;
      if (id === undefined) continue;
      const aspectType = change.kind === "created" ? "create" : change.kind === "deleted" ? "delete" : "update";
      out.push(...(await deliverEvent(state, change.account, { objectType: "activity", objectId: String(id), aspectType })));
    }
    return out;
  },
};

/** For tests and the admin API: the current subscription (or null). */
export const stravaSubscription = (state: SimulatorState) => subs(state).current;
