import type { NextRequest } from "next/server";
import { z } from "zod";
import { getSessionUser, signInUrl } from "@/lib/auth/session";
import { startConnect } from "@/lib/connections/connect";
import { UnknownProviderError } from "@/lib/connections/errors";
import { startOAuth1, usesOAuth1, withOAuth1Cookie } from "@/lib/connections/oauth1";
import { connectErrorMessage, plainText, redirectTo, settingsUrl } from "@/lib/connections/responses";
import { getDb } from "@/lib/db";
import { isProviderId, providers } from "@/lib/providers";
import { routeUrl } from "@/lib/providers/shared/http";

export const dynamic = "force-dynamic";

const query = z.object({ provider: z.string().min(1, "provider is required").max(64, "provider is too long") });

/** GET /api/oauth/connect?provider=<id> → 302 to the provider's consent page. */
export async function GET(req: NextRequest) {
  const user = await getSessionUser();
  if (!user) return redirectTo(signInUrl(`${req.nextUrl.pathname}${req.nextUrl.search}`));

  const parsed = query.safeParse({ provider: req.nextUrl.searchParams.get("provider") ?? "" });
  if (!parsed.success) return plainText(400, `Bad request: ${parsed.error.issues[0].message} (?provider=<id>)`);
  const provider = parsed.data.provider;

  try {
    // Garmin with only OAuth 1.0a consumer credentials: request token + signed cookie instead of a state.
    if (isProviderId(provider) && usesOAuth1(providers[provider])) {
      const { redirectUrl, cookie } = await startOAuth1(user.id, provider);
      return withOAuth1Cookie(redirectTo(routeUrl(redirectUrl)), cookie);
    }
    const { url } = await startConnect(await getDb(), { userId: user.id, provider });
    return redirectTo(routeUrl(url));
  } catch (error) {
    if (error instanceof UnknownProviderError) return plainText(404, "Unknown provider");
    const message = connectErrorMessage(error);
    if (message === undefined) throw error;
    return redirectTo(settingsUrl(provider, { error: message }));
  }
}
