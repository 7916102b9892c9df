import type { ProviderFetcher } from "../types";

/**
 * Pull fetchers, one file per provider. Garmin is push-only (its data arrives at the webhook);
 * Apple Health and Health Connect arrive through the phone bridges.
 */
export const fetchers: Record<string, ProviderFetcher> = {};

export function fetcherFor(provider: string): ProviderFetcher | undefined {
  return fetchers[provider];
}
