import type { SimProviderModuleOf } from "../../types";
import { whoopDataRoutes } from "./endpoints";
import { whoopGenerator } from "./generator";
import { whoopAuth } from "./oauth";
import { whoopWebhooks } from "./webhook";

/** WHOOP in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` (pull data), `webhook.ts` (subscriptions and notices). */
export const whoop: SimProviderModuleOf<"whoop"> = {
  id: "whoop",
  auth: whoopAuth,
  data: { generator: whoopGenerator, endpoints: whoopDataRoutes },
  webhook: whoopWebhooks,
};
