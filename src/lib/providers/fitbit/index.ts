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
    "Fitbit switched its legacy Web API and Fitbit sign-in off on 2026-11-02: this connection can no longer sync, and Fitbit tokens do not carry over. Connect “Fitbit & Pixel — Google Health” instead; data already synced here stays.",
  // Kept so existing connections keep their data and can be disconnected; new connects go to Google Health.
  retired: { since: "2026-11-02", successor: "google_health", reason: "the legacy Fitbit Web API was switched off" },
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
