import type { SimProviderModuleOf } from "../../types";
import { garminAuth } from "./oauth";
import { garminWebhooks } from "./webhook";

/** Garmin in the simulator: `oauth.ts` (hosts, OAuth and identity routes), `webhook.ts` + `data.ts` (push, ping and backfill; Garmin has no pull endpoints). */
export const garmin: SimProviderModuleOf<"garmin"> = {
  id: "garmin",
  auth: garminAuth,
  webhook: garminWebhooks,
};
