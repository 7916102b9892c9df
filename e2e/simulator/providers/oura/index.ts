import type { SimProviderModuleOf } from "../../types";
import { ouraDataRoutes } from "./endpoints";
import { ouraGenerator } from "./generator";
import { ouraRateLimits } from "./rate-limits";
import { ouraAuth } from "./oauth";
import { ouraWebhooks } from "./webhook";

/** Oura in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` + `rate-limits.ts` (pull data, budgets), `webhook.ts` (subscriptions and notices). */
export const oura: SimProviderModuleOf<"oura"> = {
  id: "oura",
  auth: ouraAuth,
  data: { generator: ouraGenerator, endpoints: ouraDataRoutes, rateLimits: ouraRateLimits },
  webhook: ouraWebhooks,
};
