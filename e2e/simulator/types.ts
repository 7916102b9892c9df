import type { ProviderSpec } from "./data/core";
import type { Rule, Usage } from "./data/rate-limits";
import type { RouteSpec, SimProvider } from "./router";
import type { SimWebhook } from "./webhooks/common";

/**
 * The shape of one simulated provider (`providers/<id>/index.ts`) and of the registry of all of
 * them (`providers/index.ts`). The simulator's core (server, data store, webhook core) works on
 * these types and is handed the registry; it never imports a provider folder.
 */

/** Every simulated provider, in the order the simulator lists them. One folder each under providers/. */
export const SIM_PROVIDER_IDS = ["strava", "oura", "whoop", "fitbit", "google_health", "polar", "coros", "withings", "garmin", "hevy", "eightsleep", "beeminder", "fhir"] as const;
export type SimProviderId = (typeof SIM_PROVIDER_IDS)[number];

/**
 * Providers the app pulls data from (Garmin pushes everything: its data comes with its webhooks;
 * Beeminder and the FHIR server are destinations; the legacy Fitbit Web API only answers 410 Gone).
 */
export type SimDataProviderId = Exclude<SimProviderId, "garmin" | "beeminder" | "fitbit" | "fhir">;
/** Providers that push notices to the app. */
export type SimWebhookProviderId = Exclude<SimProviderId, "hevy" | "eightsleep" | "beeminder" | "fitbit" | "fhir">;

/** A provider's pull data: the generator of its records and the endpoints that serve them — always both. */
export type SimDataSpec = {
  /** Resource → the records of one local day (`providers/<id>/generator.ts`). */
  generator: ProviderSpec;
  /** Data routes on the real hosts (`providers/<id>/endpoints.ts`); served before the auth routes. */
  endpoints: RouteSpec[];
  /** Request budgets and rate-limit headers (`providers/<id>/rate-limits.ts`); none when omitted. */
  rateLimits?: SimRateLimits;
};

/** A provider's request budgets, counted by the generic RateLimiter (`data/rate-limits.ts`) in `data/http.ts`. */
export type SimRateLimits = {
  /** The published budgets of one scope; `users`: the provider's active connections, at least 1 (Polar's budgets grow with them). */
  rules(users: number): Rule[];
  /** The provider's rate-limit headers for a response (also sent on 429s); none when omitted. */
  headers?(usage: Usage[], now: number): Record<string, string>;
};

/** One provider's simulator, as the core sees it. */
export type SimProviderModule = {
  id: SimProviderId;
  /** Hosts, OAuth / sign-in / identity routes and the rate-limit answer (`oauth.ts`, Hevy `auth.ts`). */
  auth: SimProvider;
  data?: SimDataSpec;
  /** Subscriptions and deliveries (`webhook.ts`). */
  webhook?: SimWebhook<unknown>;
};

/** The module of provider `Id`: the parts its kind needs are required, so a missing one is a compile error. */
export type SimProviderModuleOf<Id extends SimProviderId> = SimProviderModule & { id: Id } & (Id extends SimDataProviderId
    ? { data: SimDataSpec }
    : { data?: undefined }) &
  (Id extends SimWebhookProviderId ? { webhook: SimWebhook<unknown> } : { webhook?: undefined });

/** Every provider, each with all its parts (what `providers/index.ts` exports). */
export type SimRegistry = { [Id in SimProviderId]: SimProviderModuleOf<Id> };

/** What a simulator can be started with: the registry or part of it (only those providers are served). */
export type SimProviders = Partial<SimRegistry>;
