import { MIN, remainingOf, resetSeconds, usageOf } from "../../data/rate-limits";
import type { SimRateLimits } from "../../types";

/** Oura's budget, per app, and its `X-RateLimit-*` headers. */
export const ouraRateLimits: SimRateLimits = {
  rules: () => [{ name: "5min", windowMs: 5 * MIN, limit: 5000 }],
  headers(usage, now) {
    // Header names from the spec (providers.md §3); the value formats are UNCONFIRMED.
    const x = usageOf(usage, "5min");
    return { "x-ratelimit-limit": String(x?.rule.limit ?? 0), "x-ratelimit-remaining": remainingOf(x), "x-ratelimit-window": "300", "x-ratelimit-reset": resetSeconds(x, now), "x-ratelimit-tier": "application" };
  },
};
