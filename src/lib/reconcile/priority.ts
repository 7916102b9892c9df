import type { ProviderId } from "@/lib/providers/ids";
import { providerName } from "@/lib/providers";
import type { MetricId } from "./metrics";
import { METRICS } from "./metrics";

/**
 * Which source wins when several report the same thing. Defaults follow what a device is for: a
 * dedicated wearable over a phone, a ring or sleep tracker over a watch for sleep, a scale for body
 * values, the recording device over a platform that re-publishes it (Strava) or a phone bridge that
 * mirrors it (Apple Health, Health Connect). The user can put providers in another order per metric
 * (`source_priority`); providers they do not list keep their default order after the listed ones.
 */

const BRIDGES: readonly ProviderId[] = ["apple_health", "health_connect"];

const DEFAULT_ORDER: Record<(typeof METRICS)[MetricId]["family"] | "activity", readonly string[]> = {
  movement: ["garmin", "google_health", "fitbit", "coros", "polar", "whoop", "oura", "withings", "eightsleep", "strava", "hevy"],
  sleep: ["oura", "whoop", "eightsleep", "garmin", "google_health", "fitbit", "polar", "coros", "withings"],
  heart: ["oura", "whoop", "garmin", "google_health", "fitbit", "polar", "coros", "withings", "eightsleep"],
  body: ["withings", "garmin", "google_health", "fitbit", "polar", "whoop", "hevy"],
  activity: ["garmin", "coros", "polar", "google_health", "fitbit", "whoop", "withings", "oura", "strava", "hevy"],
};

/**
 * Providers that read the same devices, newest first: Fitbit's old Web API was switched off and the
 * same trackers are now read through Google Health. Side by side in the default orders, the newer
 * first; a user order that names one and not the other gets the other next to it (a user who put
 * Fitbit above Garmin keeps their Fitbit's data above Garmin after reconnecting through Google).
 * A user order that names both keeps the user's choice.
 */
const SAME_DEVICES: readonly (readonly string[])[] = [["google_health", "fitbit"]];

/** The user's order, each same-device sibling the user did not name placed beside the named one, then the defaults. */
function fullOrder(userOrder: readonly string[], defaults: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of userOrder) {
    const group = SAME_DEVICES.find((g) => g.includes(p));
    for (const q of group ? group.filter((q) => q === p || !userOrder.includes(q)) : [p]) if (!out.includes(q)) out.push(q);
  }
  return [...out, ...defaults.filter((p) => !out.includes(p))];
}

/** A wearable writing into a phone's health store ranks above the phone itself. */
const WEARABLE_SOURCE = /watch|band|ring|oura|garmin|fitbit|pixel|whoop|polar|coros|withings|wear ?os|galaxy/i;

export type SourceRef = { provider: ProviderId; source: string | null };
export type Ranking = (ref: SourceRef) => number;
export type Family = keyof typeof DEFAULT_ORDER;

export const familyOf = (metric: MetricId): Family => METRICS[metric].family;

/** The default provider order of a family, then the bridges. */
export function defaultProviderOrder(family: Family): string[] {
  return [...DEFAULT_ORDER[family], ...BRIDGES];
}

/**
 * Lower is better. `userOrder` (provider ids) comes first, with the same-device siblings of the ones
 * it names (SAME_DEVICES); then the default order; inside a bridge, a wearable's samples before the
 * phone's; ties broken by name so the choice never flips between runs.
 */
export function ranking(family: Family, userOrder: readonly string[] = []): Ranking {
  const order = fullOrder(userOrder, defaultProviderOrder(family));
  return ({ provider, source }) => {
    const i = order.indexOf(provider);
    const base = (i === -1 ? order.length : i) * 10;
    if (!BRIDGES.includes(provider)) return base;
    return base + (source && WEARABLE_SOURCE.test(source) ? 0 : source ? 2 : 1);
  };
}

/** Sorts best first, stable on (provider, source). */
export function byRank<T extends SourceRef>(items: T[], rank: Ranking): T[] {
  return [...items].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      a.provider.localeCompare(b.provider) ||
      (a.source ?? "").localeCompare(b.source ?? ""),
  );
}

/** "Apple Health (Apple Watch)" */
export function sourceLabel({ provider, source }: SourceRef): string {
  const name = providerName(provider);
  return source ? `${name} (${source})` : name;
}
