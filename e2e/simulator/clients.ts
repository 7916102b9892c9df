/**
 * The simulator's demo settings, all in one place: its registered "apps" (one demo client per
 * provider), Hevy's API keys, Eight Sleep's password and the webhook settings the app shares with
 * the providers. `npm run dev:demo`, Playwright and the tests give the app these values (see
 * `demoEnv`), so the simulator can check client auth exactly like the real provider does. They are
 * public test values, not secrets. This file imports nothing, so any module can read it.
 */

export type DemoClient = {
  clientId: string;
  clientSecret: string;
  /** Env var names the app reads; default `<ID>_CLIENT_ID` / `<ID>_CLIENT_SECRET`. */
  envVars?: { id: string; secret: string };
};

export const DEMO_APP_NAME = "Healthbridge (demo)";

export const DEMO_CLIENTS = {
  strava: { clientId: "demo-strava-client", clientSecret: "demo-strava-secret" },
  oura: { clientId: "demo-oura-client", clientSecret: "demo-oura-secret" },
  whoop: { clientId: "demo-whoop-client", clientSecret: "demo-whoop-secret" },
  google_health: { clientId: "demo-google-health-client.apps.googleusercontent.com", clientSecret: "demo-google-health-secret" },
  polar: { clientId: "demo-polar-client", clientSecret: "demo-polar-secret" },
  coros: { clientId: "demo-coros-client", clientSecret: "demo-coros-secret" },
  withings: { clientId: "demo-withings-client", clientSecret: "demo-withings-secret" },
  // Garmin OAuth 2.0 client; the OAuth 1.0a consumer is the entry below (the app prefers 2.0 when both are set).
  garmin: { clientId: "demo-garmin-client", clientSecret: "demo-garmin-secret" },
  garmin_oauth1: {
    clientId: "demo-garmin-consumer-key",
    clientSecret: "demo-garmin-consumer-secret",
    envVars: { id: "GARMIN_CONSUMER_KEY", secret: "GARMIN_CONSUMER_SECRET" },
  },
  // Stands in for the official Eight Sleep app's client credentials.
  eightsleep: { clientId: "demo-eightsleep-client", clientSecret: "demo-eightsleep-secret" },
  // Beeminder's app flow uses the client id only (beeminder.md B.2); the secret is unused.
  beeminder: { clientId: "demo-beeminder-client", clientSecret: "demo-beeminder-unused" },
} satisfies Record<string, DemoClient>;

/** Key of the Garmin OAuth 1.0a consumer in DEMO_CLIENTS. */
export const GARMIN_OAUTH1_CLIENT = "garmin_oauth1";

/** Hevy has no OAuth: valid personal API keys and the simulated account each belongs to. */
export const DEMO_HEVY_API_KEYS: Record<string, string> = {
  "5b1a3c1e-0d2f-4c8b-9a61-2f3e4d5c6b7a": "lifter-1",
  "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b": "lifter-2",
  // One key links to one user only: tests that need a fresh Hevy account per case take these.
  "3c2b1a0f-9e8d-4c7b-8a6f-5e4d3c2b1a0f": "lifter-3",
  "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d": "lifter-4",
};

/** Eight Sleep sign-in: any e-mail address is an account; this is the password that works. */
export const DEMO_EIGHTSLEEP_PASSWORD = "demo-sleep-password";

/** Webhook settings the app shares with the provider (see demoWebhookEnv): the simulator plays the provider side. */
export const DEMO_WEBHOOK_SETTINGS = {
  STRAVA_WEBHOOK_VERIFY_TOKEN: "demo-strava-verify-token",
  OURA_WEBHOOK_VERIFICATION_TOKEN: "demo-oura-verification-token",
  /** What the simulated Polar shows once as `signature_secret_key` when the app creates its webhook. */
  POLAR_WEBHOOK_SECRET: "demo-polar-webhook-secret-0123456789abcdef",
  /** The Authorization value the simulated Google sends with notices (endpointAuthorization.secret). */
  GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION: "Bearer demo-google-health-webhook-secret",
} as const;

/** The bearer token the simulated FHIR server accepts from the app's export. */
export const FHIR_EXPORT_DEMO_TOKEN = "demo-fhir-export-token";

/** The app's export settings for the simulated FHIR server (not in demoEnv: configuring an export is the operator's choice; playwright.config.ts adds it, and each user still opts in). */
export function demoFhirExportEnv(simulatorUrl: string): Record<string, string> {
  return { FHIR_EXPORT_BASE_URL: `${simulatorUrl.replace(/\/+$/, "")}/fhir.example.org/r4`, FHIR_EXPORT_TOKEN: FHIR_EXPORT_DEMO_TOKEN };
}

/** Webhook settings for an app that talks to the simulator (merged into demoEnv). */
export function demoWebhookEnv(): Record<string, string> {
  return { ...DEMO_WEBHOOK_SETTINGS };
}

export type DemoClientId = keyof typeof DEMO_CLIENTS;

/** Every demo client, by provider id (wider type so later modules can look theirs up by string). */
export const demoClients: Record<string, DemoClient> = DEMO_CLIENTS;

export function clientEnvVars(provider: string, client: DemoClient): { id: string; secret: string } {
  const prefix = provider.toUpperCase();
  return client.envVars ?? { id: `${prefix}_CLIENT_ID`, secret: `${prefix}_CLIENT_SECRET` };
}

/** The app's environment for talking to a simulator at `simulatorUrl` (e.g. http://127.0.0.1:4010). */
export function demoEnv(simulatorUrl: string): Record<string, string> {
  const env: Record<string, string> = { PROVIDER_ORIGIN_OVERRIDE: simulatorUrl.replace(/\/+$/, "") };
  for (const [provider, client] of Object.entries(demoClients)) {
    const vars = clientEnvVars(provider, client);
    env[vars.id] = client.clientId;
    env[vars.secret] = client.clientSecret;
  }
  return { ...env, ...demoWebhookEnv() };
}
