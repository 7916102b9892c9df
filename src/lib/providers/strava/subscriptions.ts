import { isObject, requestJson } from "../shared/oauth2";
import { requiredVar, SubscribeError } from "../shared/subscriptions";
import type { ProviderContext, SubscribeMode, WebhookSubscriptions } from "../types";
import { STRAVA_VERIFY_TOKEN_VAR } from "./webhook";

const STRAVA_SUBSCRIPTIONS = "https://www.strava.com/api/v3/push_subscriptions";

/** Strava's push subscription: one per app, created through its API (Strava calls the callback's
 * handshake before it answers). */
export const stravaSubscriptions: WebhookSubscriptions = { kind: "api", manage };

async function manage(ctx: ProviderContext, mode: SubscribeMode, url: string, out: string[]): Promise<void> {
  const creds = new URLSearchParams({ client_id: ctx.clientId, client_secret: ctx.clientSecret });
  const { json } = await requestJson(ctx, `${STRAVA_SUBSCRIPTIONS}?${creds}`, { what: "push subscriptions" });
  const existing = (Array.isArray(json) ? json : []).filter(isObject);
  if (mode === "list") {
    out.push(existing.length ? existing.map((s) => `subscription ${s.id} → ${s.callback_url}`).join("\n") : "no push subscription");
    return;
  }
  if (mode === "delete") {
    for (const s of existing) {
      await requestJson(ctx, `${STRAVA_SUBSCRIPTIONS}/${s.id}?${creds}`, { method: "DELETE", what: "delete push subscription" });
      out.push(`deleted subscription ${s.id} (${s.callback_url})`);
    }
    if (!existing.length) out.push("no push subscription to delete");
    return;
  }
  const mine = existing.find((s) => s.callback_url === url);
  if (mine) {
    out.push(`already subscribed: subscription ${mine.id} → ${url}`);
    return;
  }
  if (existing.length) {
    throw new SubscribeError(`Strava allows one subscription per app and ${existing[0].id} points at ${existing[0].callback_url}; run with --delete first`);
  }
  const verifyToken = requiredVar(STRAVA_VERIFY_TOKEN_VAR, "Strava's handshake echoes it back to /api/webhooks/strava");
  // Strava calls our callback (hub.challenge) before it answers: the app must be reachable at APP_URL.
  const { json: created } = await requestJson(ctx, STRAVA_SUBSCRIPTIONS, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: ctx.clientId, client_secret: ctx.clientSecret, callback_url: url, verify_token: verifyToken }).toString(),
    what: "create push subscription",
    secrets: [verifyToken],
  });
  out.push(`created subscription ${isObject(created) ? created.id : "?"} → ${url}`);
}
