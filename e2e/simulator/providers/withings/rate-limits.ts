import { MIN } from "../../data/rate-limits";
import type { SimRateLimits } from "../../types";

/** Withings' budget, per app. It sends no rate-limit headers (its 429 answer is in `oauth.ts`). */
export const withingsRateLimits: SimRateLimits = {
  rules: () => [{ name: "minute", windowMs: MIN, limit: 120 }],
};
