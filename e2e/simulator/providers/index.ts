import { withDataRoutes } from "../data";
import type { SimProvider } from "../router";
import { coros } from "./coros";
import { eightsleep } from "./eightsleep";
import { fitbit } from "./fitbit";
import { garmin } from "./garmin";
import { hevy } from "./hevy";
import { oura } from "./oura";
import { polar } from "./polar";
import { strava } from "./strava";
import { whoop } from "./whoop";
import { withings } from "./withings";

/** Every simulated provider. Adding one = its file in this folder + one line here. Data endpoints: ../data. */
export const simProviders: SimProvider[] = [strava, oura, whoop, fitbit, polar, coros, withings, garmin, hevy, eightsleep].map(withDataRoutes);
