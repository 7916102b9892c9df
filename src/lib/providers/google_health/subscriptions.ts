import type { WebhookSubscriptions } from "../types";
import { GH_DATA_TYPE_RESOURCES, GH_WEBHOOK_AUTHORIZATION_VAR } from "./webhook";

/**
 * Subscribers belong to the Google Cloud project and are created with a service account
 * (`cloud-platform` scope), which this app does not hold: the operator creates one subscriber with
 * policy AUTOMATIC, so every user who granted a scope is notified without per-user subscriptions.
 */
export const googleHealthSubscriptions: WebhookSubscriptions = {
  kind: "manual",
  instructions: (url) => [
    `Create one subscriber in your Google Cloud project: POST https://health.googleapis.com/v4/projects/<project>/subscribers?subscriberId=healthbridge`,
    `  {"endpointUri": "${url}", "subscriberConfigs": [{"dataTypes": ${JSON.stringify(Object.keys(GH_DATA_TYPE_RESOURCES))}, "subscriptionCreatePolicy": "AUTOMATIC"}], "endpointAuthorization": {"secret": "<the value of ${GH_WEBHOOK_AUTHORIZATION_VAR}>"}}`,
    `${GH_WEBHOOK_AUTHORIZATION_VAR} is the whole Authorization value, scheme included (e.g. "Bearer <random>"); Google checks the endpoint with it (201) and without it (401) before the subscriber is created.`,
    "Notices are verified with Google's published ECDSA key set; no per-user step is needed.",
  ],
};
