import type { SimProviderModuleOf } from "../../types";
import { withingsDataRoutes } from "./endpoints";
import { withingsGenerator } from "./generator";
import { withingsAuth } from "./oauth";
import { withingsWebhooks } from "./webhook";

/** Withings in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` (pull data), `webhook.ts` (subscriptions and notices). */
export const withings: SimProviderModuleOf<"withings"> = {
  id: "withings",
  auth: withingsAuth,
  data: { generator: withingsGenerator, endpoints: withingsDataRoutes },
  webhook: withingsWebhooks,
};
