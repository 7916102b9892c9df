import type { SimProviderModuleOf } from "../../types";
import { hevyAuth } from "./auth";
import { hevyDataRoutes } from "./endpoints";
import { hevyGenerator } from "./generator";

/** Hevy in the simulator: `auth.ts` (hosts, API-key check lives in the endpoints), `generator.ts` + `endpoints.ts` (pull data). */
export const hevy: SimProviderModuleOf<"hevy"> = {
  id: "hevy",
  auth: hevyAuth,
  data: { generator: hevyGenerator, endpoints: hevyDataRoutes },
};
