import type { NextRequest } from "next/server";
import { getSessionUser, signInUrl } from "@/lib/auth/session";
import { OAuthStateError } from "@/lib/connections/errors";
import { htmlError, redirectTo } from "@/lib/connections/responses";
import { getDb } from "@/lib/db";
import { BeeminderRequestError } from "@/lib/destinations/beeminder/api";
import { BEEMINDER_STATE_COOKIE, BeeminderConnectError, completeBeeminderConnect } from "@/lib/destinations/beeminder/connection";
import { TransientProviderError } from "@/lib/providers/shared/errors";

export const dynamic = "force-dynamic";

const goalsUrl = (params: Record<string, string>) => `/dashboard/settings/goals?${new URLSearchParams(params)}`;
const clearCookie = (res: Response) => {
  res.headers.append("Set-Cookie", `${BEEMINDER_STATE_COOKIE}=; Path=/api/beeminder; HttpOnly; SameSite=Lax; Max-Age=0`);
  return res;
};

/**
 * GET /api/beeminder/callback?access_token=…&username=… — bad or missing state → 400 page, nothing
 * stored; Beeminder refusing the token → settings with `error=`; success → `connected=1`.
 */
export async function GET(req: NextRequest) {
  const user = await getSessionUser();
  if (!user) return redirectTo(signInUrl(`${req.nextUrl.pathname}${req.nextUrl.search}`));
  try {
    await completeBeeminderConnect(await getDb(), {
      userId: user.id,
      state: req.cookies.get(BEEMINDER_STATE_COOKIE)?.value,
      query: Object.fromEntries(req.nextUrl.searchParams),
    });
    return clearCookie(redirectTo(goalsUrl({ connected: "1" })));
  } catch (error) {
    if (error instanceof OAuthStateError) return clearCookie(htmlError(400, "Connection failed", error.message));
    if (error instanceof BeeminderConnectError || error instanceof BeeminderRequestError) return clearCookie(redirectTo(goalsUrl({ error: error.message })));
    if (error instanceof TransientProviderError) return clearCookie(redirectTo(goalsUrl({ error: "Beeminder is not responding right now. Please try again." })));
    throw error;
  }
}
