import type { SimProviderModuleOf } from "../../types";
import { fitbitDataRoutes } from "./endpoints";
import { fitbitGenerator } from "./generator";
import { fitbitAuth } from "./oauth";
import { fitbitWebhooks } from "./webhook";

/** Fitbit in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` (pull data), `webhook.ts` (subscriptions and notices). */
export const fitbit: SimProviderModuleOf<"fitbit"> = {
  id: "fitbit",
  auth: fitbitAuth,
  data: { generator: fitbitGenerator, endpoints: fitbitDataRoutes },
  webhook: fitbitWebhooks,
};
