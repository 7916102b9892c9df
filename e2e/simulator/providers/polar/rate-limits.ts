import { MIN, resetSeconds, usageOf } from "../../data/rate-limits";
import type { SimRateLimits } from "../../types";

/** Polar's budgets, per app, growing with its registered users, and its `RateLimit-*` headers. */
export const polarRateLimits: SimRateLimits = {
  rules: (users) => [
    { name: "15min", windowMs: 15 * MIN, limit: 500 + users * 20 },
    { name: "24h", windowMs: 1440 * MIN, limit: 5000 + users * 100 },
  ],
  headers(usage, now) {
    // Names from open-wearables' notes; values of the 15-minute window (format UNCONFIRMED).
    const x = usageOf(usage, "15min");
    return { "ratelimit-usage": String(x?.used ?? 0), "ratelimit-limit": String(x?.rule.limit ?? 0), "ratelimit-reset": resetSeconds(x, now) };
  },
};
