import type { SimRegistry } from "../types";
import { beeminder } from "./beeminder";
import { coros } from "./coros";
import { eightsleep } from "./eightsleep";
import { fhir } from "./fhir";
import { fitbit } from "./fitbit";
import { garmin } from "./garmin";
import { google_health } from "./google_health";
import { hevy } from "./hevy";
import { oura } from "./oura";
import { polar } from "./polar";
import { strava } from "./strava";
import { whoop } from "./whoop";
import { withings } from "./withings";

/**
 * Every simulated provider, one folder each (`providers/<id>/index.ts`). `startSimulator` serves
 * this registry unless given another. Adding a provider: its folder, its id in `SIM_PROVIDER_IDS`
 * (types.ts, which also says whether it has pull data and webhooks), one line here, and its demo
 * client in clients.ts — the compiler asks for every missing part.
 */
export const simRegistry = { strava, oura, whoop, fitbit, google_health, polar, coros, withings, garmin, hevy, eightsleep, beeminder, fhir } satisfies SimRegistry;
