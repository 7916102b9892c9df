import type { SimProvider } from "../../router";
import type { SimProviderModuleOf } from "../../types";
import { beeminderRoutes, HOST } from "./api";

export { beeminderUser, type SimBeeminderUser, type SimDatapoint, type SimGoal } from "./api";

const beeminderAuth: SimProvider = { id: "beeminder", name: "Beeminder", hosts: [HOST], routes: beeminderRoutes };

/** Beeminder in the simulator: a destination (no pull data, no notices), so only its routes (`api.ts`). */
export const beeminder: SimProviderModuleOf<"beeminder"> = { id: "beeminder", auth: beeminderAuth };
