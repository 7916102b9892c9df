import { z } from "zod";
import type { Db } from "@/lib/db";
import type { ProviderConnection } from "@/lib/db/schema";
import { isConfigured, isProviderId, providerName, providers, retirementNote, type ProviderId } from "@/lib/providers";
import { ProviderNotConfiguredError, safeReason } from "@/lib/providers/shared/errors";
import { clientVars, providerContext } from "@/lib/providers/shared/http";
import { NotOAuthProviderError, OAuthStateError, ProviderDeniedError, RetiredProviderError, UnknownProviderError } from "./errors";
import { consumeOAuthState, createOAuthState } from "./oauth-state";
import { assertNotLinkedElsewhere, saveConnection } from "./store";

/**
 * The OAuth 2.0 connect flow, as the two route handlers call it:
 * startConnect → redirect to the provider → completeConnect on the callback.
 */

function oauth2Provider(provider: string) {
  if (!isProviderId(provider)) throw new UnknownProviderError(provider);
  const def = providers[provider];
  if (def.authKind === "retired") throw new RetiredProviderError(def.id, retirementNote(def)!, providerName(def.retired.successor));
  if (def.authKind !== "oauth2") throw new NotOAuthProviderError(provider, def.name);
  if (!isConfigured(def)) {
    const { idVar, secretVar } = clientVars(def.id);
    throw new ProviderNotConfiguredError(def.id, [idVar, secretVar]);
  }
  return { def, flow: def.oauth2 };
}

/** Stores a fresh state (and PKCE verifier) for the user and returns the REAL authorize url. */
export async function startConnect(db: Db, args: { userId: string; provider: string }): Promise<{ provider: ProviderId; url: string }> {
  const { def, flow } = oauth2Provider(args.provider);
  const ctx = providerContext(def, { userId: args.userId });
  const { state, codeChallenge } = await createOAuthState(db, { userId: args.userId, provider: def.id, pkce: flow.pkce });
  return { provider: def.id, url: flow.authorizeUrl(ctx, { state, codeChallenge }) };
}

const callbackQuery = z.object({
  state: z.string().min(1).max(512),
  code: z.string().min(1).max(4096).optional(),
  error: z.string().max(500).optional(),
  error_description: z.string().max(2000).optional(),
});

/**
 * Handles the provider's redirect for the signed-in `userId`: consumes the state (the provider is
 * the one bound to it), then either reports the provider's error or exchanges the code, runs the
 * provider's post-connect step and saves the connection. Throws OAuthStateError before anything
 * else happens, ProviderDeniedError, AccountLinkedElsewhereError, or the provider's typed errors.
 */
export async function completeConnect(
  db: Db,
  args: { userId: string; query: Record<string, string> },
): Promise<{ provider: ProviderId; connection: ProviderConnection }> {
  const parsed = callbackQuery.safeParse(args.query);
  if (!parsed.success) throw new OAuthStateError("unknown");
  const q = parsed.data;

  const bound = await consumeOAuthState(db, { state: q.state, userId: args.userId });
  const { def, flow } = oauth2Provider(bound.provider);

  if (q.error || !q.code) {
    const reason = q.error
      ? safeReason(q.error_description ? `${q.error}: ${q.error_description}` : q.error)
      : "the provider sent no authorization code";
    throw new ProviderDeniedError(def.id, reason || "access_denied");
  }

  const ctx = providerContext(def, { userId: args.userId });
  let tokens = await flow.exchangeCode(ctx, { code: q.code, codeVerifier: bound.codeVerifier, query: args.query });
  // Refuse before the post-connect step (e.g. Polar registration) when we already know the account.
  await assertNotLinkedElsewhere(db, { userId: args.userId, provider: def.id, providerUserId: tokens.providerUserId });
  tokens = (await flow.onConnected?.(ctx, tokens)) ?? tokens;
  const connection = await saveConnection(db, { userId: args.userId, provider: def.id, authKind: "oauth2", tokens });
  return { provider: def.id, connection };
}
