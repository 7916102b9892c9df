import { isObject, requestJson, stringField } from "../shared/oauth2";
import { requiredVar } from "../shared/subscriptions";
import type { ProviderContext, SubscribeMode, WebhookSubscriptions } from "../types";
import { OURA_DATA_TYPE_RESOURCES, OURA_VERIFICATION_VAR } from "./webhook";

const OURA_SUBSCRIPTIONS = "https://api.ouraring.com/v2/webhook/subscription";
/** Renew Oura subscriptions that lapse within this many days. */
const OURA_RENEW_WITHIN_MS = 14 * 86_400_000;

/** Oura's webhook subscriptions: one per data type and event type, renewed before they lapse. */
export const ouraSubscriptions: WebhookSubscriptions = { kind: "api", manage };

async function manage(ctx: ProviderContext, mode: SubscribeMode, url: string, out: string[]): Promise<void> {
  const headers = { "x-client-id": ctx.clientId, "x-client-secret": ctx.clientSecret };
  const { json } = await requestJson(ctx, OURA_SUBSCRIPTIONS, { headers, what: "webhook subscriptions" });
  const existing = (Array.isArray(json) ? json : []).filter(isObject);
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
  const token = requiredVar(OURA_VERIFICATION_VAR, "Oura's handshake sends it to /api/webhooks/oura");
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
