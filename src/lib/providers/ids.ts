/** Every provider id. A leaf module (no imports), so the database schema can name the type without a cycle. */
export const PROVIDER_IDS = [
  "strava",
  "garmin",
  "oura",
  "whoop",
  "fitbit",
  "google_health",
  "polar",
  "coros",
  "withings",
  "hevy",
  "eightsleep",
  "apple_health",
  "health_connect",
] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];
