import type { ProviderFetcher } from "../types";
import { corosFetcher } from "./coros";
import { eightsleepFetcher } from "./eightsleep";
import { fitbitFetcher } from "./fitbit";
import { hevyFetcher } from "./hevy";
import { ouraFetcher } from "./oura";
import { polarFetcher } from "./polar";
import { stravaFetcher } from "./strava";
import { whoopFetcher } from "./whoop";
import { withingsFetcher } from "./withings";

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
