import type { SimProviderModuleOf } from "../../types";
import { googleHealthDataRoutes } from "./endpoints";
import { googleHealthGenerator } from "./generator";
import { googleHealthAuth } from "./oauth";
import { googleHealthRateLimits } from "./rate-limits";
import { googleHealthWebhooks } from "./webhook";

/** Google Health API v4 in the simulator: `oauth.ts` (Google OAuth, identity, settings), `generator.ts` + `endpoints.ts` + `rate-limits.ts` (data points, roll-ups, quota), `webhook.ts` (signed notices, the published keyset). */
export const google_health: SimProviderModuleOf<"google_health"> = {
  id: "google_health",
  auth: googleHealthAuth,
  data: { generator: googleHealthGenerator, endpoints: googleHealthDataRoutes, rateLimits: googleHealthRateLimits },
  webhook: googleHealthWebhooks,
};
