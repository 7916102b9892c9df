import { providerVar } from "@/lib/env";
import { isProviderId, providers } from "@/lib/providers";
import { ProviderRequestError } from "@/lib/providers/shared/errors";
import { providerContext } from "@/lib/providers/shared/http";
import { basicAuthHeader, isObject, requestJson, stringField } from "@/lib/providers/shared/oauth2";
import type { ProviderContext } from "@/lib/providers/types";
import { OURA_DATA_TYPE_RESOURCES, OURA_VERIFICATION_VAR } from "@/lib/providers/oura/webhook";
import { POLAR_EVENT_RESOURCES, POLAR_SECRET_VAR } from "@/lib/providers/polar/webhook";
import { STRAVA_VERIFY_TOKEN_VAR } from "@/lib/providers/strava/webhook";
import { FITBIT_VERIFICATION_VAR } from "@/lib/providers/fitbit/webhook";

/**
 * `npm run webhooks:subscribe -- <provider> [--list|--delete]`: creates (or lists, or deletes) the
 * subscriptions a provider manages per app, pointing at `<APP_URL>/api/webhooks/<provider>`, and
 * says what it did. Strava, Polar and Oura have an API for it; WHOOP, Fitbit (subscriber endpoint)
 * and Garmin are set in their dashboards, so for those it prints what to enter. Withings and
 * Fitbit users are subscribed one by one when they connect.
 */

export type SubscribeMode = "create" | "list" | "delete";
export type SubscribeResult = { provider: string; lines: string[] };

const STRAVA_SUBSCRIPTIONS = "https://www.strava.com/api/v3/push_subscriptions";
const POLAR_WEBHOOKS = "https://www.polaraccesslink.com/v3/webhooks";
const OURA_SUBSCRIPTIONS = "https://api.ouraring.com/v2/webhook/subscription";
/** Renew Oura subscriptions that lapse within this many days. */
const OURA_RENEW_WITHIN_MS = 14 * 86_400_000;

export class SubscribeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SubscribeError";
  }
}

const callbackUrl = (ctx: ProviderContext, provider: string) => `${ctx.appUrl}/api/webhooks/${provider}`;

function required(name: string, why: string): string {
  const value = providerVar(name);
  if (!value) throw new SubscribeError(`${name} is not set (${why})`);
  return value;
}

async function strava(ctx: ProviderContext, mode: SubscribeMode, out: string[]): Promise<void> {
  const creds = new URLSearchParams({ client_id: ctx.clientId, client_secret: ctx.clientSecret });
  const { json } = await requestJson(ctx, `${STRAVA_SUBSCRIPTIONS}?${creds}`, { what: "push subscriptions" });
  const existing = (Array.isArray(json) ? json : []).filter(isObject);
  const url = callbackUrl(ctx, "strava");
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
  const verifyToken = required(STRAVA_VERIFY_TOKEN_VAR, "Strava's handshake echoes it back to /api/webhooks/strava");
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

async function polar(ctx: ProviderContext, mode: SubscribeMode, out: string[]): Promise<void> {
  const auth = { Authorization: basicAuthHeader(ctx.clientId, ctx.clientSecret) };
  const { json } = await requestJson(ctx, POLAR_WEBHOOKS, { headers: auth, what: "webhooks" });
  const existing = (isObject(json) && Array.isArray(json.data) ? json.data : []).filter(isObject);
  if (mode === "list") {
    out.push(existing.length ? existing.map((w) => `webhook ${w.id} → ${w.url} (${(w.events as string[] | undefined)?.join(", ")})`).join("\n") : "no webhook");
    return;
  }
  if (mode === "delete") {
    for (const w of existing) {
      await requestJson(ctx, `${POLAR_WEBHOOKS}/${w.id}`, { method: "DELETE", headers: auth, what: "delete webhook" });
      out.push(`deleted webhook ${w.id} (${w.url})`);
    }
    if (!existing.length) out.push("no webhook to delete");
    return;
  }
  const url = callbackUrl(ctx, "polar");
  if (existing.length) {
    const w = existing[0];
    out.push(w.url === url ? `already subscribed: webhook ${w.id} → ${url}` : `a webhook exists (${w.id} → ${w.url}); run with --delete first to point it here`);
    return;
  }
  // Polar PINGs the url (unsigned) before it answers: the app must be reachable at APP_URL.
  const { json: created } = await requestJson(ctx, POLAR_WEBHOOKS, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ events: Object.keys(POLAR_EVENT_RESOURCES), url }),
    what: "create webhook",
  });
  const data = isObject(created) && isObject(created.data) ? created.data : {};
  out.push(`created webhook ${stringField(data.id) ?? "?"} → ${url}`);
  const key = stringField(data.signature_secret_key);
  // Polar shows this key once; the operator must store it now.
  out.push(key ? `set ${POLAR_SECRET_VAR}=${key}  (Polar shows this key only once)` : `Polar returned no signature_secret_key; notices cannot be verified`);
}

async function oura(ctx: ProviderContext, mode: SubscribeMode, out: string[]): Promise<void> {
  const headers = { "x-client-id": ctx.clientId, "x-client-secret": ctx.clientSecret };
  const { json } = await requestJson(ctx, OURA_SUBSCRIPTIONS, { headers, what: "webhook subscriptions" });
  const existing = (Array.isArray(json) ? json : []).filter(isObject);
  const url = callbackUrl(ctx, "oura");
  if (mode === "list") {
    out.push(existing.length ? existing.map((s) => `subscription ${s.id}: ${s.data_type}/${s.event_type} → ${s.callback_url} (expires ${s.expiration_time})`).join("\n") : "no subscription");
    return;
  }
  if (mode === "delete") {
    for (const s of existing) {
      await requestJson(ctx, `${OURA_SUBSCRIPTIONS}/${s.id}`, { method: "DELETE", headers, what: "delete subscription" });
      out.push(`deleted subscription ${s.id} (${s.data_type}/${s.event_type})`);
    }
    if (!existing.length) out.push("no subscription to delete");
    return;
  }
  const token = required(OURA_VERIFICATION_VAR, "Oura's handshake sends it to /api/webhooks/oura");
  for (const dataType of Object.keys(OURA_DATA_TYPE_RESOURCES)) {
    for (const eventType of ["create", "update", "delete"]) {
      const mine = existing.find((s) => s.data_type === dataType && s.event_type === eventType && s.callback_url === url);
      if (mine) {
        const expires = Date.parse(stringField(mine.expiration_time) ?? "");
        if (!Number.isNaN(expires) && expires - Date.now() < OURA_RENEW_WITHIN_MS) {
          await requestJson(ctx, `${OURA_SUBSCRIPTIONS}/renew/${mine.id}`, { method: "PUT", headers, what: "renew subscription" });
          out.push(`renewed ${dataType}/${eventType} (subscription ${mine.id})`);
        } else out.push(`already subscribed: ${dataType}/${eventType} (subscription ${mine.id})`);
        continue;
      }
      const { json: created } = await requestJson(ctx, OURA_SUBSCRIPTIONS, {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify({ callback_url: url, verification_token: token, event_type: eventType, data_type: dataType }),
        what: `create ${dataType}/${eventType} subscription`,
        secrets: [token],
      });
      out.push(`created ${dataType}/${eventType} → ${url} (subscription ${isObject(created) ? created.id : "?"})`);
    }
  }
}

/** What to enter in the dashboards of providers without a subscription API. */
function instructions(provider: string, appUrl: string): string[] | null {
  const url = `${appUrl}/api/webhooks/${provider}`;
  switch (provider) {
    case "whoop":
      return [`WHOOP webhooks are set in the Developer Dashboard, not by API: set the webhook URL of your app to ${url} (model version v2).`];
    case "fitbit":
      return [
        `Fitbit subscribers are set in the app settings at dev.fitbit.com: add the subscriber endpoint ${url} with the verification code from ${FITBIT_VERIFICATION_VAR}.`,
        "Users are subscribed automatically when they connect.",
      ];
    case "garmin":
      return [`Garmin endpoints are set in the Endpoint Configuration tool (apis.garmin.com/tools/endpoints): set every summary type you use to push or ping at ${url}.`];
    case "withings":
      return [`Withings subscriptions are per user: each user is subscribed to ${url} (appli 1, 4, 16, 44) when they connect.`];
    case "coros":
      return [`COROS sets the push URL when it approves the app: give them ${url}.`];
    default:
      return null;
  }
}

export async function subscribeWebhooks(provider: string, mode: SubscribeMode = "create"): Promise<SubscribeResult> {
  if (!isProviderId(provider) || !providers[provider].webhook) {
    throw new SubscribeError(`unknown provider "${provider}"; one of: strava, polar, oura, whoop, fitbit, garmin, withings, coros`);
  }
  const out: string[] = [];
  const api = { strava, polar, oura }[provider as "strava" | "polar" | "oura"];
  if (!api) {
    const appUrl = (await import("@/lib/env")).env().APP_URL.replace(/\/+$/, "");
    return { provider, lines: instructions(provider, appUrl) ?? [] };
  }
  const ctx = providerContext(provider); // throws ProviderNotConfiguredError naming the missing variables
  try {
    await api(ctx, mode, out);
  } catch (error) {
    if (error instanceof ProviderRequestError) throw new SubscribeError(`${error.message}${out.length ? `\nbefore that: ${out.join("; ")}` : ""}`);
    throw error;
  }
  return { provider, lines: out };
}
