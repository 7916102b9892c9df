import { pullSide, type ProviderDefinition } from "../types";
import { missingScopes, oauth2 } from "./auth";
import { googleHealthFetcher } from "./fetch";
import { googleHealthSubscriptions } from "./subscriptions";
import { googleHealthTransforms } from "./transform";
import { googleHealthWebhook } from "./webhook";

/** Fitbit and Pixel Watch data through the Google Health API v4, the successor of the Fitbit Web API. */
export const googleHealth: ProviderDefinition = {
  id: "google_health",
  name: "Fitbit & Pixel — Google Health",
  authKind: "oauth2",
  dataTypes: ["activities", "sleep", "daily", "body", "heart_rate"],
  credentialVars: [["GOOGLE_HEALTH_CLIENT_ID", "GOOGLE_HEALTH_CLIENT_SECRET"]],
  credentialsUrl: "https://console.cloud.google.com/apis/credentials",
  notice:
    "Google Health API scopes are restricted: until Google verifies the OAuth client, at most 100 test users (added by hand on the Audience page) can connect.",
  oauth2,
  webhook: googleHealthWebhook,
  subscriptions: googleHealthSubscriptions,
  pull: pullSide(googleHealthTransforms, googleHealthFetcher),
  connectionNotice: ({ scopes }) => {
    const missing = missingScopes(scopes);
    return missing.length ? `Not granted on Google's consent page, so not synced: ${missing.join("; ")}. Reconnect to grant them.` : undefined;
  },
};
