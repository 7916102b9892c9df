import { fitbitFetcher } from "./fetch";
import { fitbitTransforms } from "./transform";
import { FITBIT_VERIFICATION_VAR, fitbitWebhook, withFitbitSubscription } from "./webhook";
import { oauth2 } from "./auth";
import { pullSide, type ProviderDefinition } from "../types";

export const fitbit: ProviderDefinition = {
  id: "fitbit",
  name: "Fitbit",
  authKind: "oauth2",
  dataTypes: ["activities", "sleep", "daily", "body", "heart_rate"],
  credentialVars: [["FITBIT_CLIENT_ID", "FITBIT_CLIENT_SECRET"]],
  credentialsUrl: "https://dev.fitbit.com/apps/new",
  notice:
    "Google announced the legacy Fitbit Web API would be turned down in September 2026 in favour of the Google Health API. This connector speaks the documented Fitbit Web API; it keeps working only while Google still serves it.",
  oauth2: withFitbitSubscription(oauth2), // + per-user notification subscription
  webhook: fitbitWebhook,
  pull: pullSide(fitbitTransforms, fitbitFetcher),
  subscriptions: {
    kind: "manual",
    instructions: (url) => [
      `Fitbit subscribers are set in the app settings at dev.fitbit.com: add the subscriber endpoint ${url} with the verification code from ${FITBIT_VERIFICATION_VAR}.`,
      "Users are subscribed automatically when they connect."
    ],
  },
};
