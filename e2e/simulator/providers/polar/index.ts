import type { SimProviderModuleOf } from "../../types";
import { polarDataRoutes } from "./endpoints";
import { polarGenerator } from "./generator";
import { polarAuth } from "./oauth";
import { polarWebhooks } from "./webhook";

/** Polar in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` (pull data), `webhook.ts` (subscriptions and notices). */
export const polar: SimProviderModuleOf<"polar"> = {
  id: "polar",
  auth: polarAuth,
  data: { generator: polarGenerator, endpoints: polarDataRoutes },
  webhook: polarWebhooks,
};
