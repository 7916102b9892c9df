import { oauth2, withingsCall } from "./auth";
import { pullSide, type ProviderDefinition } from "../types";
import { withingsFetcher } from "./fetch";
import { withingsTransforms } from "./transform";
import { confirmWithingsRevoked, withingsWebhook } from "./webhook";

export const withings: ProviderDefinition = {
  id: "withings",
  name: "Withings",
  authKind: "oauth2",
  dataTypes: ["activities", "sleep", "daily", "body", "heart_rate"],
  credentialVars: [["WITHINGS_CLIENT_ID", "WITHINGS_CLIENT_SECRET"]],
  credentialsUrl: "https://developer.withings.com/dashboard/",
  oauth2,
  webhook: { ...withingsWebhook, confirmRevoked: (ctx, tokens) => confirmWithingsRevoked(ctx, tokens, withingsCall) },
  pull: pullSide(withingsTransforms, withingsFetcher),
  subscriptions: {
    kind: "manual",
    instructions: (url) => [
      `Withings subscriptions are per user: each user is subscribed to ${url} (appli 1, 4, 16, 44) when they connect.`
    ],
  },
};
