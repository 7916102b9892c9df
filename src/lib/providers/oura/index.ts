import { oauth2 } from "./auth";
import { ouraFetcher } from "./fetch";
import { ouraTransforms } from "./transform";
import { ouraSubscriptions } from "./subscriptions";
import { ouraWebhook } from "./webhook";
import { pullSide, type ProviderDefinition } from "../types";

export const oura: ProviderDefinition = {
  id: "oura",
  name: "Oura",
  authKind: "oauth2",
  dataTypes: ["activities", "sleep", "daily", "heart_rate"],
  credentialVars: [["OURA_CLIENT_ID", "OURA_CLIENT_SECRET"]],
  credentialsUrl: "https://cloud.ouraring.com/oauth/applications",
  notice:
    "New Oura apps are limited to 10 users until Oura approves them.",
  oauth2,
  webhook: ouraWebhook,
  pull: pullSide(ouraTransforms, ouraFetcher),
  subscriptions: ouraSubscriptions,
};
