import type { SimProviderModuleOf } from "../../types";
import { fitbitDataRoutes } from "./endpoints";
import { fitbitGenerator } from "./generator";
import { fitbitRateLimits } from "./rate-limits";
import { fitbitAuth } from "./oauth";
import { fitbitWebhooks } from "./webhook";

/** Fitbit in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` + `rate-limits.ts` (pull data, budgets), `webhook.ts` (subscriptions and notices). */
export const fitbit: SimProviderModuleOf<"fitbit"> = {
  id: "fitbit",
  auth: fitbitAuth,
  data: { generator: fitbitGenerator, endpoints: fitbitDataRoutes, rateLimits: fitbitRateLimits },
  webhook: fitbitWebhooks,
};
