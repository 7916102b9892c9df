import type { NextRequest } from "next/server";
import { getSessionUser, signInUrl } from "@/lib/auth/session";
import { htmlError, redirectTo } from "@/lib/connections/responses";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { routeUrl } from "@/lib/providers/shared/http";
import { BeeminderNotConfiguredError } from "@/lib/destinations/beeminder/api";
import { BEEMINDER_STATE_COOKIE, startBeeminderConnect } from "@/lib/destinations/beeminder/connection";
import { OAUTH_STATE_TTL_MS } from "@/lib/connections/oauth-state";

export const dynamic = "force-dynamic";

/** GET /api/beeminder/connect — starts the Beeminder app flow; the state rides in an httpOnly cookie (connection.ts). */
export async function GET(req: NextRequest) {
  const user = await getSessionUser();
  if (!user) return redirectTo(signInUrl(req.nextUrl.pathname));
  try {
    const { url, state } = await startBeeminderConnect(await getDb(), user.id);
    const res = redirectTo(routeUrl(url));
    const secure = env().APP_URL.startsWith("https:") ? "; Secure" : "";
    res.headers.append(
      "Set-Cookie",
      `${BEEMINDER_STATE_COOKIE}=${state}; Path=/api/beeminder; HttpOnly; SameSite=Lax; Max-Age=${OAUTH_STATE_TTL_MS / 1000}${secure}`,
    );
    return res;
  } catch (error) {
    if (error instanceof BeeminderNotConfiguredError) return htmlError(503, "Beeminder is not configured", error.message);
    throw error;
  }
}
