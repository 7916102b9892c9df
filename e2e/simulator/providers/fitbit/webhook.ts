import { z } from "zod";
import { fitbitStyle, fitbitUserId } from "./oauth";
import { requireToken } from "../../oauth2";
import { empty, json, type RequestContext, type SimResponse } from "../../router";
import type { SimulatorState } from "../../state";
import { DEMO_WEBHOOK_SETTINGS } from "../../clients";
import { badAdminRequest, bagged, dayOf, hmacOf, zodProblems, type SimWebhook } from "../../webhooks/common";
import { appWebhookUrl, NoWebhookTargetError, send, type Delivery } from "../../webhooks/delivery";

/**
 * Fitbit subscriptions (providers.md §5). The subscriber endpoint and its verification code are set
 * in Fitbit's app dashboard; adding it makes Fitbit GET `?verify=<code>` (204 expected) and
 * `?verify=<wrong>` (404 expected) — `POST /__admin/webhooks/fitbit/verify` plays that. Users are
 * subscribed per app with `POST /1/user/-/[collection/]apiSubscriptions/<id>.json` (Bearer).
 * Notices: a JSON array, `X-Fitbit-Signature` = base64 HMAC-SHA1(`client_secret&`, body).
 * UNCONFIRMED: the subscriber id "1", 409 on a duplicate subscription id for another user.
 */

const HOST = "api.fitbit.com";
const COLLECTIONS = ["activities", "body", "foods", "sleep", "userRevokedAccess"] as const;
export const FITBIT_SUBSCRIBER_ID = "1";

type Subscription = { ownerId: string; collection: string | null; subscriptionId: string };
const subs = (state: SimulatorState) => bagged(state, "fitbit", () => [] as Subscription[]);

const view = (s: Subscription) => ({
  collectionType: s.collection ?? "user",
  ownerId: s.ownerId,
  ownerType: "user",
  subscriberId: FITBIT_SUBSCRIBER_ID,
  subscriptionId: s.subscriptionId,
});

function subscriptionRoute(kind: "create" | "delete") {
  return (ctx: RequestContext): SimResponse => {
    const auth = requireToken(ctx, fitbitStyle);
    if (!auth.ok) return auth.response;
    const collection = ctx.params.collection ?? null;
    if (collection !== null && !(COLLECTIONS as readonly string[]).includes(collection)) {
      return json(400, { errors: [{ errorType: "validation", fieldName: "collection-path", message: `unknown collection ${collection}` }] });
    }
    const subscriptionId = (ctx.params.file ?? "").replace(/\.json$/, "");
    if (!subscriptionId || subscriptionId.length > 50) {
      return json(400, { errors: [{ errorType: "validation", fieldName: "subscription-id", message: "subscription id must be 1–50 characters" }] });
    }
    const ownerId = auth.grant.userId;
    const all = subs(ctx.state);
    const existing = all.find((s) => s.subscriptionId === subscriptionId && s.collection === collection);
    if (kind === "delete") {
      if (!existing || existing.ownerId !== ownerId) return json(404, { errors: [{ errorType: "not_found", message: "subscription not found" }] });
      all.splice(all.indexOf(existing), 1);
      return empty(204);
    }
    if (existing && existing.ownerId !== ownerId) return json(409, { errors: [{ errorType: "conflict", message: "subscription id in use" }] });
    if (existing) return json(200, view(existing));
    const sub = { ownerId, collection, subscriptionId };
    all.push(sub);
    return json(201, view(sub));
  };
}

const input = z
  .object({
    collectionType: z.enum(COLLECTIONS).default("activities"),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    /** Deliver several notices (for the same user) in one batched body. */
    batch: z.array(z.object({ collectionType: z.enum(COLLECTIONS), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) })).optional(),
  })
  .strict();

/** Signs like Fitbit: base64 HMAC-SHA1 keyed with `client_secret&`. */
export function fitbitSignature(state: SimulatorState, body: string): string {
  return hmacOf("sha1", `${state.clients.fitbit.clientSecret}&`, body).toString("base64");
}

async function deliverNotices(state: SimulatorState, account: string, items: Array<{ collectionType: string; date: string }>): Promise<Delivery[]> {
  const url = appWebhookUrl(state, "fitbit");
  if (!url) throw new NoWebhookTargetError();
  const ownerId = fitbitUserId(account);
  const subscriptionId = subs(state).find((s) => s.ownerId === ownerId)?.subscriptionId ?? `sim-${ownerId}`;
  const body = JSON.stringify(items.map((i) => ({ collectionType: i.collectionType, date: i.date, ownerId, ownerType: "user", subscriptionId })));
  const headers = { "content-type": "application/json", "x-fitbit-signature": fitbitSignature(state, body) };
  return [await send(state, { provider: "fitbit", kind: "notice", url, headers, body })];
}

/** The dashboard's subscriber check: the right code must get 204, a wrong one 404. */
export async function verifyFitbitSubscriber(state: SimulatorState, code: string = DEMO_WEBHOOK_SETTINGS.FITBIT_SUBSCRIBER_VERIFICATION_CODE) {
  const base = appWebhookUrl(state, "fitbit");
  if (!base) throw new NoWebhookTargetError();
  const withCode = (c: string) => `${base}?verify=${encodeURIComponent(c)}`;
  const right = await send(state, { provider: "fitbit", kind: "verify", method: "GET", url: withCode(code) });
  const wrong = await send(state, { provider: "fitbit", kind: "verify", method: "GET", url: withCode(`${code}-wrong`) });
  return { verified: right.status === 204 && wrong.status === 404, right: right.status, wrong: wrong.status };
}

/** The collection a data resource belongs to. */
const COLLECTION_OF: Record<string, string> = { activities: "activities", steps: "activities", heart: "activities", sleep: "sleep", hrv: "sleep", weight: "body", fat: "body" };

export const fitbitWebhooks: SimWebhook<z.infer<typeof input>> = {
  provider: "fitbit",
  subscriptions: (state) => fitbitSubscriptions(state),
  admin: {
    /** `POST /__admin/webhooks/fitbit/verify {code?}`: plays the dashboard's subscriber check. */
    "POST /verify": async (state, body) => {
      const r = z.object({ code: z.string().min(1).optional() }).strict().safeParse(body ?? {});
      if (!r.success) return badAdminRequest(zodProblems(r.error));
      return json(200, await verifyFitbitSubscriber(state, r.data.code));
    },
  },
  input,
  routes: [
    { method: "POST", host: HOST, path: "/1/user/-/apiSubscriptions/:file", name: "apiSubscriptions:create", handler: subscriptionRoute("create") },
    { method: "POST", host: HOST, path: "/1/user/-/:collection/apiSubscriptions/:file", name: "apiSubscriptions:create", handler: subscriptionRoute("create") },
    { method: "DELETE", host: HOST, path: "/1/user/-/apiSubscriptions/:file", name: "apiSubscriptions:delete", handler: subscriptionRoute("delete") },
    { method: "DELETE", host: HOST, path: "/1/user/-/:collection/apiSubscriptions/:file", name: "apiSubscriptions:delete", handler: subscriptionRoute("delete") },
    {
      method: "GET",
      host: HOST,
      path: "/1/user/-/apiSubscriptions.json",
      name: "apiSubscriptions:list",
      handler: (ctx) => {
        const auth = requireToken(ctx, fitbitStyle);
        if (!auth.ok) return auth.response;
        return json(200, { apiSubscriptions: subs(ctx.state).filter((s) => s.ownerId === auth.grant.userId).map(view) });
      },
    },
  ],
  deliver: (state, account, i) =>
    deliverNotices(state, account, i.batch ?? [{ collectionType: i.collectionType, date: i.date ?? dayOf(state.now()) }]),
  async onDataChange(state, change) {
    const collection = COLLECTION_OF[change.resource];
    const ownerId = fitbitUserId(change.account);
    const subscribed = subs(state).some((s) => s.ownerId === ownerId && (s.collection === null || s.collection === collection));
    if (!collection || !subscribed) return [];
    // One notice per (collection, day) touched, batched like Fitbit does.
    const days = new Set<string>(change.day ? [change.day] : []);
    if (!change.day) for (let t = change.from.getTime(); t <= change.to.getTime(); t += 86_400_000) days.add(dayOf(t));
    return deliverNotices(state, change.account, [...days].map((date) => ({ collectionType: collection, date })));
  },
};

export const fitbitSubscriptions = (state: SimulatorState) => subs(state).map(view);
