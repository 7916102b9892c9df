import { MIN, usageOf, type Usage } from "../../data/rate-limits";
import type { SimRateLimits } from "../../types";

/** Strava's budgets, per app, and its `X-RateLimit-*` / `X-ReadRateLimit-*` headers. */
export const stravaRateLimits: SimRateLimits = {
  // Every simulated data call is a read: it counts against the overall and the read budget.
  rules: () => [
    { name: "overall:15min", windowMs: 15 * MIN, limit: 200 },
    { name: "overall:daily", windowMs: 1440 * MIN, limit: 2000 },
    { name: "read:15min", windowMs: 15 * MIN, limit: 100 },
    { name: "read:daily", windowMs: 1440 * MIN, limit: 1000 },
  ],
  headers(usage) {
    const pair = (a: string, b: string, f: (x: Usage | undefined) => string) => `${f(usageOf(usage, a))},${f(usageOf(usage, b))}`;
    const limit = (x: Usage | undefined) => String(x?.rule.limit ?? 0);
    const used = (x: Usage | undefined) => String(x?.used ?? 0);
    return {
      "x-ratelimit-limit": pair("overall:15min", "overall:daily", limit),
      "x-ratelimit-usage": pair("overall:15min", "overall:daily", used),
      "x-readratelimit-limit": pair("read:15min", "read:daily", limit),
      "x-readratelimit-usage": pair("read:15min", "read:daily", used),
    };
  },
};
