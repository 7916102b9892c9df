import { z } from "zod";
import { randomHex, seededUuid } from "../../ids";
import { ouraUserId } from "./oauth";
import { empty, json, type RequestContext, type SimResponse } from "../../router";
import type { SimulatorState } from "../../state";
import { bagged, epochSeconds, hmacOf, type SimWebhook } from "../../webhooks/common";
import { appWebhookUrl, NoWebhookTargetError, send, type Delivery } from "../../webhooks/delivery";

/**
 * Oura webhook subscriptions (providers.md §3): `POST /v2/webhook/subscription` with `x-client-id` /
 * `x-client-secret` and `{callback_url, verification_token, event_type, data_type}`; Oura first GETs
 * `callback?verification_token=T&challenge=C` and wants `{"challenge":"C"}`. List, get, update,
 * delete and renew. Notices `{event_type, data_type, object_id, user_id, event_time}` are signed:
 * `x-oura-signature` = upper-case hex HMAC-SHA256(client secret, `x-oura-timestamp` + body).
 * UNCONFIRMED: the timestamp format (epoch seconds here), a 90-day expiration_time, error bodies.
 */

const HOST = "api.ouraring.com";
const BASE = "/v2/webhook/subscription";
const EXPIRY_MS = 90 * 86_400_000;
export const OURA_DATA_TYPES = [
  "tag", "enhanced_tag", "workout", "session", "sleep", "daily_sleep", "daily_readiness", "daily_activity", "daily_spo2",
  "sleep_time", "rest_mode_period", "ring_configuration", "daily_stress", "daily_cardiovascular_age", "daily_resilience", "vo2_max", "meal",
] as const;
const EVENT_TYPES = ["create", "update", "delete"] as const;

type Subscription = { id: string; callbackUrl: string; verificationToken: string; eventType: string; dataType: string; expirationTime: number };
const subs = (state: SimulatorState) => bagged(state, "oura", () => new Map<string, Subscription>());

const view = (s: Subscription) => ({
  id: s.id,
  callback_url: s.callbackUrl,
  event_type: s.eventType,
  data_type: s.dataType,
  expiration_time: new Date(s.expirationTime).toISOString(),
});

function clientOk(ctx: RequestContext): SimResponse | null {
  const client = ctx.state.clients.oura;
  const ok = client && ctx.headers["x-client-id"] === client.clientId && ctx.headers["x-client-secret"] === client.clientSecret;
  return ok ? null : json(401, { status: 401, title: "Unauthorized", detail: "invalid x-client-id / x-client-secret" });
}

const createBody = z.object({
  callback_url: z.url(),
  verification_token: z.string().min(1),
  event_type: z.enum(EVENT_TYPES),
  data_type: z.enum(OURA_DATA_TYPES),
});

async function create(ctx: RequestContext): Promise<SimResponse> {
  const refused = clientOk(ctx);
  if (refused) return refused;
  const parsed = createBody.safeParse(ctx.json);
  if (!parsed.success) return json(422, { status: 422, title: "Unprocessable Entity", detail: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
  const b = parsed.data;
  const challenge = randomHex(12);
  const url = new URL(b.callback_url);
  url.searchParams.set("verification_token", b.verification_token);
  url.searchParams.set("challenge", challenge);
  const d = await send(ctx.state, { provider: "oura", kind: "handshake", method: "GET", url: url.toString() });
  let echoed: unknown;
  try {
    echoed = (JSON.parse(d.responseBody) as Record<string, unknown>).challenge;
  } catch {
    echoed = undefined;
  }
  if (d.status !== 200 || echoed !== challenge) {
    return json(400, { status: 400, title: "Bad Request", detail: "the callback did not answer the verification challenge" });
  }
  const all = subs(ctx.state);
  for (const s of all.values()) {
    if (s.dataType === b.data_type && s.eventType === b.event_type && s.callbackUrl === b.callback_url) {
      return json(409, { status: 409, title: "Conflict", detail: "a subscription for this data_type and event_type exists" });
    }
  }
  const sub: Subscription = {
    id: seededUuid(`oura-sub:${randomHex(6)}`),
    callbackUrl: b.callback_url,
    verificationToken: b.verification_token,
    eventType: b.event_type,
    dataType: b.data_type,
    expirationTime: ctx.state.now() + EXPIRY_MS,
  };
  all.set(sub.id, sub);
  return json(201, view(sub));
}

function withSub(fn: (ctx: RequestContext, sub: Subscription) => SimResponse) {
  return (ctx: RequestContext): SimResponse => {
    const refused = clientOk(ctx);
    if (refused) return refused;
    const sub = subs(ctx.state).get(ctx.params.id);
    return sub ? fn(ctx, sub) : json(404, { status: 404, title: "Not Found", detail: "no such subscription" });
  };
}

const input = z
  .object({
    dataType: z.enum(OURA_DATA_TYPES).default("workout"),
    eventType: z.enum(EVENT_TYPES).default("create"),
    objectId: z.string().min(1).optional(),
    eventTime: z.string().optional(),
    /** Override x-oura-timestamp (epoch seconds). */
    timestamp: z.string().optional(),
  })
  .strict();

export function ouraSignature(state: SimulatorState, timestamp: string, body: string): string {
  return hmacOf("sha256", state.clients.oura.clientSecret, timestamp + body).toString("hex").toUpperCase();
}

async function deliverEvent(state: SimulatorState, account: string, i: z.infer<typeof input>): Promise<Delivery[]> {
  const matching = [...subs(state).values()].filter((s) => s.dataType === i.dataType && s.eventType === i.eventType);
  const urls = matching.length ? [...new Set(matching.map((s) => s.callbackUrl))] : [appWebhookUrl(state, "oura")];
  const out: Delivery[] = [];
  for (const url of urls) {
    if (!url) throw new NoWebhookTargetError("no Oura subscription and no webhook target");
    const body = JSON.stringify({
      event_type: i.eventType,
      data_type: i.dataType,
      object_id: i.objectId ?? seededUuid(randomHex(6)),
      user_id: ouraUserId(account),
      event_time: i.eventTime ?? new Date(state.now()).toISOString(),
    });
    const timestamp = i.timestamp ?? String(epochSeconds(state));
    const headers = { "content-type": "application/json", "x-oura-timestamp": timestamp, "x-oura-signature": ouraSignature(state, timestamp, body) };
    out.push(await send(state, { provider: "oura", kind: "notice", url, headers, body }));
  }
  return out;
}

export const ouraWebhooks: SimWebhook<z.infer<typeof input>> = {
  provider: "oura",
  subscriptions: (state) => ouraSubscriptions(state),
  input,
  routes: [
    { method: "POST", host: HOST, path: BASE, name: "webhook/subscription:create", handler: create },
    {
      method: "GET",
      host: HOST,
      path: BASE,
      name: "webhook/subscription:list",
      handler: (ctx) => clientOk(ctx) ?? json(200, [...subs(ctx.state).values()].map(view)),
    },
    { method: "GET", host: HOST, path: `${BASE}/:id`, name: "webhook/subscription:get", handler: withSub((_ctx, s) => json(200, view(s))) },
    {
      method: "PUT",
      host: HOST,
      path: `${BASE}/:id`,
      name: "webhook/subscription:update",
      handler: withSub((ctx, s) => {
        const b = (ctx.json ?? {}) as Record<string, unknown>;
        if (typeof b.callback_url === "string") s.callbackUrl = b.callback_url;
        if (typeof b.verification_token === "string") s.verificationToken = b.verification_token;
        return json(200, view(s));
      }),
    },
    {
      method: "DELETE",
      host: HOST,
      path: `${BASE}/:id`,
      name: "webhook/subscription:delete",
      handler: withSub((ctx, s) => {
        subs(ctx.state).delete(s.id);
        return empty(204);
      }),
    },
    {
      method: "PUT",
      host: HOST,
      path: `${BASE}/renew/:id`,
      name: "webhook/subscription:renew",
      handler: withSub((ctx, s) => {
        s.expirationTime = ctx.state.now() + EXPIRY_MS;
        return json(200, view(s));
      }),
    },
  ],
  deliver: deliverEvent,
  async onDataChange(state, change) {
    const dataType = (OURA_DATA_TYPES as readonly string[]).includes(change.resource) ? change.resource : null;
    if (!dataType) return [];
    const eventType = change.kind === "created" ? "create" : change.kind === "deleted" ? "delete" : "update";
    if (![...subs(state).values()].some((s) => s.dataType === dataType && s.eventType === eventType)) return [];
    const out: Delivery[] = [];
    for (const record of change.records) {
      const id = (record as { id?: unknown }).id;
      if (typeof id !== "string") continue;
      out.push(...(await deliverEvent(state, change.account, { dataType: dataType as z.infer<typeof input>["dataType"], eventType, objectId: id })));
    }
    return out;
  },
};

export const ouraSubscriptions = (state: SimulatorState) => [...subs(state).values()].map(view);
