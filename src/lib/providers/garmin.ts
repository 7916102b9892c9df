import type { ProviderDefinition } from "./types";

export const garmin: ProviderDefinition = {
  id: "garmin",
  name: "Garmin",
  authKind: "oauth1",
  dataTypes: ["activities", "sleep", "daily", "body", "heart_rate"],
  credentialVars: [["GARMIN_CLIENT_ID", "GARMIN_CLIENT_SECRET"], ["GARMIN_CONSUMER_KEY", "GARMIN_CONSUMER_SECRET"]],
  credentialsUrl: "https://developerportal.garmin.com/",
  notice:
    "Garmin retires OAuth 1.0a on 31 December 2026; OAuth 2.0 (PKCE) credentials are preferred.",
};
