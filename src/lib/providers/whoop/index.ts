import { oauth2 } from "./auth";
import { pullSide, type ProviderDefinition } from "../types";
import { whoopFetcher } from "./fetch";
import { whoopTransforms } from "./transform";
import { whoopWebhook } from "./webhook";

export const whoop: ProviderDefinition = {
  id: "whoop",
  name: "WHOOP",
  authKind: "oauth2",
  dataTypes: ["activities", "sleep", "daily", "body"],
  credentialVars: [["WHOOP_CLIENT_ID", "WHOOP_CLIENT_SECRET"]],
  credentialsUrl: "https://developer-dashboard.whoop.com/",
  oauth2,
  webhook: whoopWebhook,
  pull: pullSide(whoopTransforms, whoopFetcher),
  subscriptions: {
    kind: "manual",
    instructions: (url) => [
      `WHOOP webhooks are set in the Developer Dashboard, not by API: set the webhook URL of your app to ${url} (model version v2).`
    ],
  },
};
