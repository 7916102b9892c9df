import type { ProviderFetcher } from "../types";
import { corosFetcher } from "@/lib/providers/coros/fetch";
import { eightsleepFetcher } from "@/lib/providers/eightsleep/fetch";
import { fitbitFetcher } from "@/lib/providers/fitbit/fetch";
import { hevyFetcher } from "@/lib/providers/hevy/fetch";
import { ouraFetcher } from "@/lib/providers/oura/fetch";
import { polarFetcher } from "@/lib/providers/polar/fetch";
import { stravaFetcher } from "@/lib/providers/strava/fetch";
import { whoopFetcher } from "@/lib/providers/whoop/fetch";
import { withingsFetcher } from "@/lib/providers/withings/fetch";

/**
 * Pull fetchers, one file per provider. Garmin is push-only (its data arrives at the webhook);
 * Apple Health and Health Connect arrive through the phone bridges.
 */
export const fetchers: Record<string, ProviderFetcher> = {
  strava: stravaFetcher,
  oura: ouraFetcher,
  whoop: whoopFetcher,
  fitbit: fitbitFetcher,
  polar: polarFetcher,
  coros: corosFetcher,
  withings: withingsFetcher,
  hevy: hevyFetcher,
  eightsleep: eightsleepFetcher,
};

export function fetcherFor(provider: string): ProviderFetcher | undefined {
  return Object.hasOwn(fetchers, provider) ? fetchers[provider] : undefined;
}
