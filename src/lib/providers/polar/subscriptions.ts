import { basicAuthHeader, isObject, requestJson, stringField } from "../shared/oauth2";
import type { ProviderContext, SubscribeMode, WebhookSubscriptions } from "../types";
import { POLAR_EVENT_RESOURCES, POLAR_SECRET_VAR } from "./webhook";

const POLAR_WEBHOOKS = "https://www.polaraccesslink.com/v3/webhooks";

/** Polar's webhook: one per app, created through its API; the signature key is shown only once. */
export const polarSubscriptions: WebhookSubscriptions = { kind: "api", manage };

async function manage(ctx: ProviderContext, mode: SubscribeMode, url: string, out: string[]): Promise<void> {
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
