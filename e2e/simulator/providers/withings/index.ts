import type { SimProviderModuleOf } from "../../types";
import { withingsDataRoutes } from "./endpoints";
import { withingsGenerator } from "./generator";
import { withingsRateLimits } from "./rate-limits";
import { withingsAuth } from "./oauth";
import { withingsWebhooks } from "./webhook";

/** Withings in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` + `rate-limits.ts` (pull data, budgets), `webhook.ts` (subscriptions and notices). */
export const withings: SimProviderModuleOf<"withings"> = {
  id: "withings",
  auth: withingsAuth,
  data: { generator: withingsGenerator, endpoints: withingsDataRoutes, rateLimits: withingsRateLimits },
  webhook: withingsWebhooks,
};
