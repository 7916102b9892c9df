import type { ProviderDefinition } from "../types";

/**
 * The legacy Fitbit Web API connector, retired: Google switched that API and Fitbit's OAuth off on
 * 2026-11-02 (../shared/google-health.md A.1) and Fitbit tokens do not carry over. What stays is
 * the id, so stored connections and their data keep their card and can still be disconnected;
 * Fitbit data now comes through `google_health`.
 */
export const fitbit: ProviderDefinition = {
  id: "fitbit",
  name: "Fitbit",
  authKind: "retired",
  dataTypes: ["activities", "sleep", "daily", "body", "heart_rate"],
  credentialVars: [],
  retired: { since: "2026-11-02", successor: "google_health", what: "Fitbit's old Web API" },
};
