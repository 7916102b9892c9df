import { z } from "zod";
import { randomHex, seededUuid } from "../../ids";
import { polarUserId } from "./oauth";
import { basicCredentials, empty, json, type RequestContext, type SimResponse } from "../../router";
import type { SimulatorState } from "../../state";
import { DEMO_WEBHOOK_SETTINGS } from "../../clients";
import { bagged, dayOf, hmacOf, type SimWebhook } from "../../webhooks/common";
import { appWebhookUrl, NoWebhookTargetError, send, type Delivery } from "../../webhooks/delivery";

/**
 * Polar AccessLink webhooks (providers.md §6): one per client, managed with HTTP Basic at
 * `/v3/webhooks`. Creating (or activating) one makes Polar POST an unsigned `{"event":"PING"}` to the
 * url; anything but 200 and it is not created. The answer holds `signature_secret_key`, shown once
 * (the simulator always uses DEMO_WEBHOOK_SETTINGS.POLAR_WEBHOOK_SECRET, so the demo app can be
 * configured before the webhook exists). Notices carry `Polar-Webhook-Signature` = hex HMAC-SHA256.
 * UNCONFIRMED: error bodies, the 400 when the PING fails, `active` in the list view.
 */

const HOST = "www.polaraccesslink.com";
const EVENTS = [
  "EXERCISE",
  "SLEEP",
  "CONTINUOUS_HEART_RATE",
  "SLEEP_WISE_CIRCADIAN_BEDTIME",
  "SLEEP_WISE_ALERTNESS",
  "ACTIVITY_SUMMARY",
  "PHYSICAL_INFORMATION",
] as const;

type Webhook = { id: string; events: string[]; url: string; secret: string; active: boolean };
const hooks = (state: SimulatorState) => bagged(state, "polar", () => ({ current: null as Webhook | null }));

function clientOk(ctx: RequestContext): SimResponse | null {
  const creds = basicCredentials(ctx);
  const client = ctx.state.clients.polar;
  return client && creds?.id === client.clientId && creds.secret === client.clientSecret
    ? null
    : json(401, { error: { message: "Unauthorized", status: 401 } });
}

async function ping(state: SimulatorState, url: string): Promise<boolean> {
  const body = JSON.stringify({ event: "PING", timestamp: new Date(state.now()).toISOString() });
  const d = await send(state, { provider: "polar", kind: "ping", url, headers: { "content-type": "application/json" }, body });
  return d.status === 200;
}

const createBody = z.object({ events: z.array(z.enum(EVENTS)).min(1), url: z.url() });

async function create(ctx: RequestContext): Promise<SimResponse> {
  const refused = clientOk(ctx);
  if (refused) return refused;
  const parsed = createBody.safeParse(ctx.json);
  if (!parsed.success) return json(400, { error: { message: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "), status: 400 } });
  const h = hooks(ctx.state);
  if (h.current) return json(409, { error: { message: "Webhook already exists", status: 409 } });
  if (!(await ping(ctx.state, parsed.data.url))) return json(400, { error: { message: "Webhook url did not answer the PING with 200", status: 400 } });
  const hook: Webhook = { id: seededUuid(`polar-hook:${randomHex(6)}`), events: parsed.data.events, url: parsed.data.url, secret: DEMO_WEBHOOK_SETTINGS.POLAR_WEBHOOK_SECRET, active: true };
  h.current = hook;
  return json(201, { data: { id: hook.id, events: hook.events, url: hook.url, signature_secret_key: hook.secret } });
}

const view = (w: Webhook) => ({ id: w.id, events: w.events, url: w.url, active: w.active });

const input = z
  .object({
    event: z.enum(EVENTS).default("EXERCISE"),
    entityId: z.string().min(1).optional(),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  })
  .strict();

export function polarSignature(secret: string, body: string): string {
  return hmacOf("sha256", secret, body).toString("hex");
}

async function deliverEvent(state: SimulatorState, account: string, i: z.infer<typeof input>): Promise<Delivery[]> {
  const hook = hooks(state).current;
  const url = hook?.url ?? appWebhookUrl(state, "polar");
  if (!url) throw new NoWebhookTargetError("no Polar webhook and no webhook target");
  const userId = Number(polarUserId(account));
  const entityId = i.entityId ?? randomHex(4).toUpperCase();
  const date = i.date ?? (i.event === "EXERCISE" ? undefined : dayOf(state.now()));
  const notice: Record<string, unknown> = {
    event: i.event,
    user_id: userId,
    entity_id: entityId,
    timestamp: new Date(state.now()).toISOString(),
    url:
      i.event === "EXERCISE"
        ? `https://${HOST}/v3/exercises/${entityId}`
        : i.event === "SLEEP"
          ? `https://${HOST}/v3/users/sleep/${date}`
          : `https://${HOST}/v3/users/${userId}`,
  };
  if (date) notice.date = date;
  const body = JSON.stringify(notice);
  const secret = hook?.secret ?? DEMO_WEBHOOK_SETTINGS.POLAR_WEBHOOK_SECRET;
  const headers = { "content-type": "application/json", "polar-webhook-signature": polarSignature(secret, body) };
  return [await send(state, { provider: "polar", kind: "notice", url, headers, body })];
}

const EVENT_OF: Record<string, (typeof EVENTS)[number]> = {
  exercises: "EXERCISE",
  sleep: "SLEEP",
  activities: "ACTIVITY_SUMMARY",
  continuous_heart_rate: "CONTINUOUS_HEART_RATE",
  physical_info: "PHYSICAL_INFORMATION",
};

export const polarWebhooks: SimWebhook<z.infer<typeof input>> = {
  provider: "polar",
  subscriptions: (state) => polarWebhook(state),
  input,
  routes: [
    { method: "POST", host: HOST, path: "/v3/webhooks", name: "webhooks:create", handler: create },
    {
      method: "GET",
      host: HOST,
      path: "/v3/webhooks",
      name: "webhooks:get",
      handler: (ctx) => clientOk(ctx) ?? json(200, { data: hooks(ctx.state).current ? [view(hooks(ctx.state).current!)] : [] }),
    },
    {
      method: "PATCH",
      host: HOST,
      path: "/v3/webhooks/:id",
      name: "webhooks:patch",
      handler: (ctx) => {
        const refused = clientOk(ctx);
        if (refused) return refused;
        const hook = hooks(ctx.state).current;
        if (!hook || hook.id !== ctx.params.id) return json(404, { error: { message: "Not found", status: 404 } });
        const b = (ctx.json ?? {}) as { events?: unknown; url?: unknown };
        if (Array.isArray(b.events)) hook.events = b.events.filter((e): e is string => typeof e === "string");
        if (typeof b.url === "string") hook.url = b.url;
        return json(200, { data: view(hook) });
      },
    },
    {
      method: "DELETE",
      host: HOST,
      path: "/v3/webhooks/:id",
      name: "webhooks:delete",
      handler: (ctx) => {
        const refused = clientOk(ctx);
        if (refused) return refused;
        const h = hooks(ctx.state);
        if (!h.current || h.current.id !== ctx.params.id) return json(404, { error: { message: "Not found", status: 404 } });
        h.current = null;
        return empty(204);
      },
    },
    {
      method: "POST",
      host: HOST,
      path: "/v3/webhooks/activate",
      name: "webhooks:activate",
      handler: async (ctx) => {
        const refused = clientOk(ctx);
        if (refused) return refused;
        const hook = hooks(ctx.state).current;
        if (!hook) return json(404, { error: { message: "Not found", status: 404 } });
        if (!(await ping(ctx.state, hook.url))) return json(400, { error: { message: "Webhook url did not answer the PING with 200", status: 400 } });
        hook.active = true;
        return empty(200);
      },
    },
    {
      method: "POST",
      host: HOST,
      path: "/v3/webhooks/deactivate",
      name: "webhooks:deactivate",
      handler: (ctx) => {
        const refused = clientOk(ctx);
        if (refused) return refused;
        const hook = hooks(ctx.state).current;
        if (!hook) return json(404, { error: { message: "Not found", status: 404 } });
        hook.active = false;
        return empty(200);
      },
    },
  ],
  deliver: deliverEvent,
  async onDataChange(state, change) {
    const event = EVENT_OF[change.resource];
    const hook = hooks(state).current;
    if (!event || !hook?.active || !hook.events.includes(event)) return [];
    const out: Delivery[] = [];
    if (event === "EXERCISE") {
      for (const record of change.records) {
        const id = (record as { id?: unknown }).id;
        if (typeof id === "string") out.push(...(await deliverEvent(state, change.account, { event, entityId: id })));
      }
      return out;
    }
    if (change.day) return deliverEvent(state, change.account, { event, date: change.day });
    for (let t = change.from.getTime(); t <= change.to.getTime(); t += 86_400_000) {
      out.push(...(await deliverEvent(state, change.account, { event, date: dayOf(t) })));
    }
    return out;
  },
};

export const polarWebhook = (state: SimulatorState) => (hooks(state).current ? view(hooks(state).current!) : null);
