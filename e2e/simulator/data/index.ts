import type { RouteSpec, SimProvider } from "../router";
import { corosDataRoutes } from "./endpoints/coros";
import { eightsleepDataRoutes } from "./endpoints/eightsleep";
import { fitbitDataRoutes } from "./endpoints/fitbit";
import { hevyDataRoutes } from "./endpoints/hevy";
import { ouraDataRoutes } from "./endpoints/oura";
import { polarDataRoutes } from "./endpoints/polar";
import { stravaDataRoutes } from "./endpoints/strava";
import { whoopDataRoutes } from "./endpoints/whoop";
import { withingsDataRoutes } from "./endpoints/withings";

export { handleDataAdmin } from "./admin";
export { expectedRecords, simData, type SimData } from "./generator";

/** The data endpoints of each provider (Garmin delivers by push: its data arrives with webhooks). */
export const dataRoutes: Record<string, RouteSpec[]> = {
  strava: stravaDataRoutes,
  oura: ouraDataRoutes,
  whoop: whoopDataRoutes,
  fitbit: fitbitDataRoutes,
  polar: polarDataRoutes,
  coros: corosDataRoutes,
  withings: withingsDataRoutes,
  hevy: hevyDataRoutes,
  eightsleep: eightsleepDataRoutes,
};

/** A provider with its data routes in front (they take precedence over older placeholder routes). */
export function withDataRoutes(p: SimProvider): SimProvider {
  const routes = dataRoutes[p.id];
  return routes ? { ...p, routes: [...routes, ...p.routes] } : p;
}
