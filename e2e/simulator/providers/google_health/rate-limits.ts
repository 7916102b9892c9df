import { MIN } from "../../data/rate-limits";
import type { SimRateLimits } from "../../types";

/** Google Health's per-user quota: 300 requests a minute (google-health.md A.11). No usage headers are sent. */
export const googleHealthRateLimits: SimRateLimits = {
  rules: () => [{ name: "user-minute", windowMs: MIN, limit: 300 }],
};
