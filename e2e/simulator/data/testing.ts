import { corosOpenId } from "../providers/coros/oauth";
import { eightSleepUserId } from "../providers/eightsleep/oauth";
import { GH_SCOPES, googleHealthUserId } from "../providers/google_health/oauth";
import { ouraUserId } from "../providers/oura/oauth";
import { polarUserId } from "../providers/polar/oauth";
import { stravaAthleteId, STRAVA_SCOPES } from "../providers/strava/oauth";
import { whoopUserId, WHOOP_SCOPES } from "../providers/whoop/oauth";
import { withingsUserId, WITHINGS_SCOPES } from "../providers/withings/oauth";
import { OURA_SCOPES } from "../providers/oura/oauth";
import type { SimulatorState } from "../state";

/**
 * Test helper: a live grant and access token for (provider, account) without the consent dance
 * (that flow has its own tests). The token is checked by the data endpoints exactly like one from
 * the token endpoint.
 */

const USER_IDS: Record<string, (account: string) => string> = {
  strava: stravaAthleteId,
  oura: ouraUserId,
  whoop: whoopUserId,
  google_health: googleHealthUserId,
  polar: polarUserId,
  coros: corosOpenId,
  withings: withingsUserId,
  eightsleep: eightSleepUserId,
};

const ALL_SCOPES: Record<string, string[]> = {
  strava: STRAVA_SCOPES,
  oura: OURA_SCOPES,
  whoop: WHOOP_SCOPES,
  google_health: GH_SCOPES,
  polar: ["accesslink.read_all"],
  coros: [],
  withings: WITHINGS_SCOPES,
  eightsleep: [],
};

export function grantToken(
  state: SimulatorState,
  provider: string,
  account: string,
  opts: { scopes?: string[]; ttlSeconds?: number | null } = {},
): { token: string; userId: string; clientId: string } {
  const userId = USER_IDS[provider](account);
  const clientId = state.clients[provider].clientId;
  const grant = state.createGrant({ provider, clientId, account, userId, scopes: opts.scopes ?? ALL_SCOPES[provider] });
  const access = state.issueAccessToken(grant, opts.ttlSeconds === undefined ? 3600 : opts.ttlSeconds);
  return { token: access.token, userId, clientId };
}
