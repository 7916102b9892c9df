import type { SimProviderModuleOf } from "../../types";
import { stravaDataRoutes } from "./endpoints";
import { stravaGenerator } from "./generator";
import { stravaAuth } from "./oauth";
import { stravaWebhooks } from "./webhook";

/** Strava in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` (pull data), `webhook.ts` (subscriptions and notices). */
export const strava: SimProviderModuleOf<"strava"> = {
  id: "strava",
  auth: stravaAuth,
  data: { generator: stravaGenerator, endpoints: stravaDataRoutes },
  webhook: stravaWebhooks,
};
