import { withDataRoutes } from "../data";
import type { SimProvider } from "../router";
import { coros } from "./coros/oauth";
import { eightsleep } from "./eightsleep/oauth";
import { fitbit } from "./fitbit/oauth";
import { garmin } from "./garmin/oauth";
import { hevy } from "./hevy/auth";
import { oura } from "./oura/oauth";
import { polar } from "./polar/oauth";
import { strava } from "./strava/oauth";
import { whoop } from "./whoop/oauth";
import { withings } from "./withings/oauth";

/** Every simulated provider. Adding one = its file in this folder + one line here. Data endpoints: ../data. */
export const simProviders: SimProvider[] = [strava, oura, whoop, fitbit, polar, coros, withings, garmin, hevy, eightsleep].map(withDataRoutes);
