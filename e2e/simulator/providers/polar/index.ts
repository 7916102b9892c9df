import type { SimProviderModuleOf } from "../../types";
import { polarDataRoutes } from "./endpoints";
import { polarGenerator } from "./generator";
import { polarRateLimits } from "./rate-limits";
import { polarAuth } from "./oauth";
import { polarWebhooks } from "./webhook";

/** Polar in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` + `rate-limits.ts` (pull data, budgets), `webhook.ts` (subscriptions and notices). */
export const polar: SimProviderModuleOf<"polar"> = {
  id: "polar",
  auth: polarAuth,
  data: { generator: polarGenerator, endpoints: polarDataRoutes, rateLimits: polarRateLimits },
  webhook: polarWebhooks,
};
