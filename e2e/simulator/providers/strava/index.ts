import type { SimProviderModuleOf } from "../../types";
import { stravaDataRoutes } from "./endpoints";
import { stravaGenerator } from "./generator";
import { stravaRateLimits } from "./rate-limits";
import { stravaAuth } from "./oauth";
import { stravaWebhooks } from "./webhook";

/** Strava in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` + `rate-limits.ts` (pull data, budgets), `webhook.ts` (subscriptions and notices). */
export const strava: SimProviderModuleOf<"strava"> = {
  id: "strava",
  auth: stravaAuth,
  data: { generator: stravaGenerator, endpoints: stravaDataRoutes, rateLimits: stravaRateLimits },
  webhook: stravaWebhooks,
};
