import { MIN, remainingOf, resetSeconds, usageOf } from "../../data/rate-limits";
import type { SimRateLimits } from "../../types";

/** WHOOP's budgets, per app, and its `X-RateLimit-*` headers (remaining/reset of the tighter window). */
export const whoopRateLimits: SimRateLimits = {
  rules: () => [
    { name: "minute", windowMs: MIN, limit: 100 },
    { name: "day", windowMs: 1440 * MIN, limit: 10_000 },
  ],
  headers(usage, now) {
    const minute = usageOf(usage, "minute");
    const day = usageOf(usage, "day");
    const tighter = minute && day && day.rule.limit - day.used < minute.rule.limit - minute.used ? day : minute;
    return { "x-ratelimit-limit": "100;window=60, 10000;window=86400", "x-ratelimit-remaining": remainingOf(tighter), "x-ratelimit-reset": resetSeconds(tighter, now) };
  },
};
