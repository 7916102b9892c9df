import type { ProviderDefinition } from "../types";
import { garminWebhook } from "./webhook";
import { oauth1, oauth2, GARMIN_CONSUMER_VARS } from "./auth";

export const garmin: ProviderDefinition = {
  id: "garmin",
  name: "Garmin",
  authKind: "oauth2",
  dataTypes: ["activities", "sleep", "daily", "body", "heart_rate"],
  // OAuth 2.0 first: when both sets are present, OAuth 2.0 is used.
  credentialVars: [["GARMIN_CLIENT_ID", "GARMIN_CLIENT_SECRET"], [GARMIN_CONSUMER_VARS.key, GARMIN_CONSUMER_VARS.secret]],
  credentialsUrl: "https://developerportal.garmin.com/",
  notice:
    "Garmin retires OAuth 1.0a on 31 December 2026; OAuth 2.0 (PKCE) credentials are preferred, and existing OAuth 1.0a connections can be migrated in place.",
  oauth2,
  oauth1,
  webhook: garminWebhook,
  subscriptions: {
    kind: "manual",
    instructions: (url) => [
      `Garmin endpoints are set in the Endpoint Configuration tool (apis.garmin.com/tools/endpoints): set every summary type you use to push or ping at ${url}.`
    ],
  },
};
