import type { NextRequest } from "next/server";
import { getSessionUser, signInUrl } from "@/lib/auth/session";
import { completeConnect } from "@/lib/connections/connect";
import { OAuthStateError } from "@/lib/connections/errors";
import { clearOAuth1Cookie, completeOAuth1, OAUTH1_COOKIE, OAuth1FlowError } from "@/lib/connections/oauth1";
import { connectErrorMessage, errorProvider, htmlError, redirectTo, settingsUrl } from "@/lib/connections/responses";
import { getDb } from "@/lib/db";
import { requestPushBackfill, startInitialSync } from "@/lib/connections/after-connect";
import { afterResponse } from "@/lib/webhooks/after-response";

export const dynamic = "force-dynamic";

/**
 * GET /api/oauth/callback — one handler for every OAuth 2.0 provider (the provider is the one bound
 * to the stored state) and for OAuth 1.0a (bound by the signed cookie). Bad state → 400 page, nothing stored; provider error or failed exchange →
 * settings with `error=`; success → settings with `connected=1`.
 */
export async function GET(req: NextRequest) {
  const user = await getSessionUser();
  // Back here after signing in: the state is still unused and bound to the user who started.
  if (!user) return redirectTo(signInUrl(`${req.nextUrl.pathname}${req.nextUrl.search}`));

  const query = Object.fromEntries(req.nextUrl.searchParams);
  const db = await getDb();
  // OAuth 1.0a (Garmin) answers with oauth_token/oauth_verifier and no state; its cookie is single-use.
  const oauth1 = query.state === undefined && query.oauth_token !== undefined;
  const done = (res: Response) => (oauth1 ? clearOAuth1Cookie(res) : res);
  try {
    const { provider, connection } = oauth1
      ? await completeOAuth1(db, user.id, query, req.cookies.get(OAUTH1_COOKIE)?.value)
      : await completeConnect(db, { userId: user.id, query });
    await startInitialSync(db, connection);
    afterResponse("connect", () => requestPushBackfill(db, connection)); // Garmin: ask for the history to be pushed
    return done(redirectTo(settingsUrl(provider, { connected: "1" })));
  } catch (error) {
    if (error instanceof OAuthStateError || error instanceof OAuth1FlowError) return done(htmlError(400, "Connection failed", error.message));
    const message = connectErrorMessage(error);
    if (message === undefined) throw error;
    const provider = errorProvider(error) ?? "";
    return done(redirectTo(settingsUrl(provider, { error: message })));
  }
}
