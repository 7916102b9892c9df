import { oauth2 } from "./auth";
import { polarFetcher } from "./fetch";
import { polarTransforms } from "./transform";
import { polarSubscriptions } from "./subscriptions";
import { polarWebhook } from "./webhook";
import { pullSide, type ProviderDefinition } from "../types";

export const polar: ProviderDefinition = {
  id: "polar",
  name: "Polar",
  authKind: "oauth2",
  dataTypes: ["activities", "sleep", "daily", "heart_rate", "body"],
  credentialVars: [["POLAR_CLIENT_ID", "POLAR_CLIENT_SECRET"]],
  credentialsUrl: "https://admin.polaraccesslink.com/",
  oauth2,
  webhook: polarWebhook,
  pull: pullSide(polarTransforms, polarFetcher),
  subscriptions: polarSubscriptions,
};
