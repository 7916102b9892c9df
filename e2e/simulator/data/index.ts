import type { RouteSpec, SimProvider } from "../router";
import { corosDataRoutes } from "../providers/coros/endpoints";
import { eightsleepDataRoutes } from "../providers/eightsleep/endpoints";
import { fitbitDataRoutes } from "../providers/fitbit/endpoints";
import { hevyDataRoutes } from "../providers/hevy/endpoints";
import { ouraDataRoutes } from "../providers/oura/endpoints";
import { polarDataRoutes } from "../providers/polar/endpoints";
import { stravaDataRoutes } from "../providers/strava/endpoints";
import { whoopDataRoutes } from "../providers/whoop/endpoints";
import { withingsDataRoutes } from "../providers/withings/endpoints";

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
