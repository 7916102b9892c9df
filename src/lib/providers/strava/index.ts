import { oauth2 } from "./auth";
import { pullSide, type ProviderDefinition } from "../types";
import { stravaFetcher } from "./fetch";
import { stravaTransforms } from "./transform";
import { stravaSubscriptions } from "./subscriptions";
import { stravaWebhook } from "./webhook";

export const strava: ProviderDefinition = {
  id: "strava",
  name: "Strava",
  authKind: "oauth2",
  dataTypes: ["activities"],
  credentialVars: [["STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET"]],
  credentialsUrl: "https://www.strava.com/settings/api",
  oauth2,
  webhook: stravaWebhook,
  pull: pullSide(stravaTransforms, stravaFetcher),
  subscriptions: stravaSubscriptions,
};
