import type { SimProviderModuleOf } from "../../types";
import { fitbitGone } from "./gone";

/** The legacy Fitbit Web API in the simulator: switched off, so `gone.ts` answers 410 on its hosts. No data, no webhooks. */
export const fitbit: SimProviderModuleOf<"fitbit"> = {
  id: "fitbit",
  auth: fitbitGone,
};
