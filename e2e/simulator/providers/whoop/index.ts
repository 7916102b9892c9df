import type { SimProviderModuleOf } from "../../types";
import { whoopDataRoutes } from "./endpoints";
import { whoopGenerator } from "./generator";
import { whoopRateLimits } from "./rate-limits";
import { whoopAuth } from "./oauth";
import { whoopWebhooks } from "./webhook";

/** WHOOP in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` + `rate-limits.ts` (pull data, budgets), `webhook.ts` (subscriptions and notices). */
export const whoop: SimProviderModuleOf<"whoop"> = {
  id: "whoop",
  auth: whoopAuth,
  data: { generator: whoopGenerator, endpoints: whoopDataRoutes, rateLimits: whoopRateLimits },
  webhook: whoopWebhooks,
};
