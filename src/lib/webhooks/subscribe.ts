import { env } from "@/lib/env";
import { isProviderId, providerList, providers } from "@/lib/providers";
import { ProviderRequestError } from "@/lib/providers/shared/errors";
import { providerContext } from "@/lib/providers/shared/http";
import { SubscribeError } from "@/lib/providers/shared/subscriptions";
import type { SubscribeMode } from "@/lib/providers/types";

export { SubscribeError };
export type { SubscribeMode };

/**
 * `npm run webhooks:subscribe -- <provider> [--list|--delete]`: creates (or lists, or deletes) the
 * subscriptions a provider manages per app, pointing at `<APP_URL>/api/webhooks/<provider>`, and
 * says what it did. Strava, Polar and Oura have an API for it; WHOOP and Garmin
 * are set in their dashboards, so for those it prints what to enter. Withings users are
 * subscribed one by one when they connect.
 */

export type SubscribeResult = { provider: string; lines: string[] };

export async function subscribeWebhooks(provider: string, mode: SubscribeMode = "create"): Promise<SubscribeResult> {
  const subscriptions = isProviderId(provider) ? providers[provider].subscriptions : undefined;
  if (!subscriptions) {
    const known = providerList.filter((p) => p.subscriptions).map((p) => p.id);
    throw new SubscribeError(`unknown provider "${provider}"; one of: ${known.join(", ")}`);
  }
  if (subscriptions.kind === "manual") {
    const appUrl = env().APP_URL.replace(/\/+$/, "");
    return { provider, lines: subscriptions.instructions(`${appUrl}/api/webhooks/${provider}`) };
  }
  const ctx = providerContext(provider); // throws ProviderNotConfiguredError naming the missing variables
  const out: string[] = [];
  try {
    await subscriptions.manage(ctx, mode, `${ctx.appUrl}/api/webhooks/${provider}`, out);
  } catch (error) {
    if (error instanceof ProviderRequestError) throw new SubscribeError(`${error.message}${out.length ? `\nbefore that: ${out.join("; ")}` : ""}`);
    throw error;
  }
  return { provider, lines: out };
}
