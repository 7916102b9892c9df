import type { SimProviderModuleOf } from "../../types";
import { corosDataRoutes } from "./endpoints";
import { corosGenerator } from "./generator";
import { corosAuth } from "./oauth";
import { corosWebhooks } from "./webhook";

/** COROS in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` (pull data), `webhook.ts` (subscriptions and notices). */
export const coros: SimProviderModuleOf<"coros"> = {
  id: "coros",
  auth: corosAuth,
  data: { generator: corosGenerator, endpoints: corosDataRoutes },
  webhook: corosWebhooks,
};
