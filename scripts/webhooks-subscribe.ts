/**
 * `npm run webhooks:subscribe -- <provider> [--list | --delete]`
 *
 * Creates the webhook subscription a provider manages per app (Strava push subscription, Polar
 * webhook, Oura subscriptions), pointing at <APP_URL>/api/webhooks/<provider>, and prints what it
 * did. For WHOOP, Garmin, Withings and COROS it prints where the URL is set instead.
 * The provider calls the app back during creation (handshake / PING), so the app must be running
 * and reachable at APP_URL.
 */
import { ProviderNotConfiguredError } from "../src/lib/providers/shared/errors";
import { subscribeWebhooks, SubscribeError, type SubscribeMode } from "../src/lib/webhooks/subscribe";

const args = process.argv.slice(2);
const provider = args.find((a) => !a.startsWith("--"));
const mode: SubscribeMode = args.includes("--delete") ? "delete" : args.includes("--list") ? "list" : "create";
const unknown = args.filter((a) => a.startsWith("--") && a !== "--delete" && a !== "--list");

if (!provider || unknown.length) {
  console.error(`usage: npm run webhooks:subscribe -- <provider> [--list | --delete]${unknown.length ? `\nunknown option ${unknown.join(" ")}` : ""}`);
  process.exit(2);
}

try {
  const { lines } = await subscribeWebhooks(provider, mode);
  for (const line of lines) console.log(`${provider}: ${line}`);
} catch (error) {
  if (error instanceof SubscribeError || error instanceof ProviderNotConfiguredError) {
    console.error(`${provider}: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
