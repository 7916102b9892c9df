import { MIN, remainingOf, resetSeconds, usageOf } from "../../data/rate-limits";
import type { SimRateLimits } from "../../types";

/** Fitbit's budget, per user, and its `Fitbit-Rate-Limit-*` headers. */
export const fitbitRateLimits: SimRateLimits = {
  rules: () => [{ name: "hour", windowMs: 60 * MIN, limit: 150 }],
  headers(usage, now) {
    const x = usageOf(usage, "hour");
    return { "fitbit-rate-limit-limit": String(x?.rule.limit ?? 150), "fitbit-rate-limit-remaining": remainingOf(x), "fitbit-rate-limit-reset": resetSeconds(x, now) };
  },
};
