import type { SimProviderModuleOf } from "../../types";
import { eightsleepDataRoutes } from "./endpoints";
import { eightsleepGenerator } from "./generator";
import { eightsleepAuth } from "./oauth";

/** Eight Sleep in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `generator.ts` + `endpoints.ts` (pull data). */
export const eightsleep: SimProviderModuleOf<"eightsleep"> = {
  id: "eightsleep",
  auth: eightsleepAuth,
  data: { generator: eightsleepGenerator, endpoints: eightsleepDataRoutes },
};
