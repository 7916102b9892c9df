import type { SimProviderModuleOf } from "../../types";
import { ouraDataRoutes } from "./endpoints";
import { ouraGenerator } from "./generator";
import { ouraAuth } from "./oauth";
import { ouraWebhooks } from "./webhook";

/** Oura in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` (pull data), `webhook.ts` (subscriptions and notices). */
export const oura: SimProviderModuleOf<"oura"> = {
  id: "oura",
  auth: ouraAuth,
  data: { generator: ouraGenerator, endpoints: ouraDataRoutes },
  webhook: ouraWebhooks,
};
