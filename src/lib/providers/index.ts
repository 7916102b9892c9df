import { providerVar } from "@/lib/env";
import { appleHealth } from "./apple_health";
import { coros } from "./coros";
import { eightsleep } from "./eightsleep";
import { fitbit } from "./fitbit";
import { garmin } from "./garmin";
import { googleHealth } from "./google_health";
import { healthConnect } from "./health_connect";
import { hevy } from "./hevy";
import { oura } from "./oura";
import { polar } from "./polar";
import { strava } from "./strava";
import { PROVIDER_IDS, type ProviderDefinition, type ProviderId, type PullSide } from "./types";
import { whoop } from "./whoop";
import { withings } from "./withings";

export * from "./types";

/** Every provider, keyed by id: a provider missing here is a compile error. */
export const providers: Record<ProviderId, ProviderDefinition> = {
  strava,
  garmin,
  oura,
  whoop,
  fitbit,
  google_health: googleHealth,
  polar,
  coros,
  withings,
  hevy,
  eightsleep,
  apple_health: appleHealth,
  health_connect: healthConnect,
};

export const providerList: ProviderDefinition[] = PROVIDER_IDS.map((id) => providers[id]);

/** A provider whose data the app pulls: what the sync engine needs of it. */
export type PullProvider = PullSide & { id: ProviderId; name: string };

/** The pull side of a provider; undefined for push-only providers (Garmin), bridges and unknown ids. */
export function pullProvider(provider: string): PullProvider | undefined {
  if (!isProviderId(provider)) return undefined;
  const def = providers[provider];
  return def.pull ? { id: def.id, name: def.name, ...def.pull } : undefined;
}

/** The name people know a provider by; the id itself for one this version does not know. */
export function providerName(provider: string): string {
  return isProviderId(provider) ? providers[provider].name : provider;
}

export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === "string" && (PROVIDER_IDS as readonly string[]).includes(value);
}

/** "Fitbit's old Web API was switched off on 2026-11-02." for a retired provider; undefined otherwise. */
export function retirementNote(def: ProviderDefinition): string | undefined {
  if (def.authKind !== "retired") return undefined;
  return `${def.retired.what} was switched off on ${def.retired.since}.`;
}

/** Why the app pulls nothing from `id` on request (push-only, or retired); undefined when it pulls. */
export function notPulledReason(id: ProviderId): string | undefined {
  const def = providers[id];
  if (def.pull) return undefined;
  if (def.authKind === "retired") {
    return `${retirementNote(def)} ${def.name} can no longer sync; connect ${providerName(def.retired.successor)} instead`;
  }
  return `${def.name} sends its data by itself; there is nothing to sync on request`;
}

/** Providers with no credential set (API key, password, bridges) need no app registration. */
export function isConfigured(provider: ProviderDefinition): boolean {
  if (provider.credentialVars.length === 0) return true;
  return provider.credentialVars.some((set) => set.every((name) => providerVar(name) !== undefined));
}
