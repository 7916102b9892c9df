import type { ProviderFetcher } from "@/lib/sync/types";
import { bearer, DAY_MS, isObject, lastDay, listOf, MINUTE_MS, perWindow, providerUserIdOf, ymd } from "../shared/fetch";
import type { eightsleepTransforms } from "./transform";

/** What this fetcher may name: the resources eightsleep has transforms for. */
type EightsleepResource = keyof typeof eightsleepTransforms;

/**
 * Eight Sleep (providers.md §10; unofficial app API, may break): `GET https://client-api.8slp.net/v1/
 * users/{id}/trends?tz=<IANA>&from=YYYY-MM-DD&to=YYYY-MM-DD&include-main=false&include-all-sessions=true
 * &model-version=v2` → `{days:[…]}`, one per night (the day it ended). The `tz` asked for is the
 * zone the normalizer reads the days in. UNCONFIRMED, behind constants: the longest range per call,
 * the rate limit, and how far back it serves.
 */

const API = "https://client-api.8slp.net/v1";
/** UNCONFIRMED: the longest range per call (the simulator accepts a year). */
export const EIGHTSLEEP_RANGE_DAYS = 365;
/** UNCONFIRMED: no known limit; a polite ceiling for an unofficial API. */
const EIGHTSLEEP_BUDGET = [perWindow("min", MINUTE_MS, 30)];

export const eightsleepFetcher: ProviderFetcher<EightsleepResource> = {
  authorize: (req, token) => bearer(req, token),
  budget: EIGHTSLEEP_BUDGET,
  resources: [
    {
      kind: "window",
      resource: "trends",
      label: "Sleep",
      windowDays: EIGHTSLEEP_RANGE_DAYS,
      dayAligned: true,
      overlapMs: 2 * DAY_MS,
      async *fetchWindow(ctx, w) {
        // Eight Sleep wants an IANA name; a fixed offset learned elsewhere is no use here.
        const tz = ctx.timezone?.includes("/") ? ctx.timezone : "UTC";
        const userId = providerUserIdOf(ctx.connection, "eightsleep");
        const json = await ctx.http.json(`${API}/users/${encodeURIComponent(userId)}/trends`, {
          query: {
            tz,
            from: ymd(w.from),
            to: lastDay(w.to),
            "include-main": "false",
            "include-all-sessions": "true",
            "model-version": "v2",
          },
          what: "sleep trends",
        });
        const records = isObject(json) ? listOf("eightsleep", json, "days", "sleep trends") : [];
        if (records.length) yield { records, timezone: tz };
      },
    },
  ],
};
