import { and, eq, gt, isNull, lt } from "drizzle-orm";
import { randomToken, sha256Hex } from "@/lib/crypto";
import { openToken, sealToken } from "@/lib/crypto/keyring";
import type { Db } from "@/lib/db";
import { oauthStates } from "@/lib/db/schema";
import { createPkcePair } from "@/lib/providers/shared/oauth2";
import { OAuthStateError } from "./errors";
import type { ProviderId } from "@/lib/providers/types";

/**
 * OAuth `state`: random, single-use, bound to the user and provider that started the flow, valid
 * 10 minutes. Only its SHA-256 is stored (a leaked table can't be replayed) and the PKCE verifier
 * is sealed like any other secret.
 */

/** Who a state is for: a data provider, or a destination whose flow has no code exchange (Beeminder). */
export type StateOwner = ProviderId | "beeminder";

export const OAUTH_STATE_TTL_MS = 10 * 60_000;
/** Expired rows are swept after this, so "expired" stays distinguishable from "unknown" for a while. */
const SWEEP_AFTER_MS = 24 * 3600_000;

export async function createOAuthState(
  db: Db,
  args: { userId: string; provider: StateOwner; pkce: boolean },
  now = new Date(),
): Promise<{ state: string; codeChallenge?: string }> {
  const state = randomToken(32);
  const pkce = args.pkce ? createPkcePair() : undefined;
  await db.delete(oauthStates).where(lt(oauthStates.expiresAt, new Date(now.getTime() - SWEEP_AFTER_MS)));
  await db.insert(oauthStates).values({
    state: sha256Hex(state),
    userId: args.userId,
    provider: args.provider,
    codeVerifier: pkce ? sealToken(pkce.verifier) : null,
    createdAt: now,
    expiresAt: new Date(now.getTime() + OAUTH_STATE_TTL_MS),
  });
  return { state, codeChallenge: pkce?.challenge };
}

/**
 * Marks the state used and returns what it was bound to. One UPDATE … WHERE used_at IS NULL does
 * the check and the marking atomically, so of two concurrent replays exactly one wins. Failures say
 * why (unknown / expired / used / wrong_user); a state presented by another user is left unused.
 */
export async function consumeOAuthState(
  db: Db,
  args: { state: string; userId: string },
  now = new Date(),
): Promise<{ provider: StateOwner; codeVerifier?: string }> {
  if (!args.state || args.state.length > 512) throw new OAuthStateError("unknown");
  const key = sha256Hex(args.state);
  const [row] = await db
    .update(oauthStates)
    .set({ usedAt: now })
    .where(
      and(
        eq(oauthStates.state, key),
        eq(oauthStates.userId, args.userId),
        isNull(oauthStates.usedAt),
        gt(oauthStates.expiresAt, now),
      ),
    )
    .returning();
  if (row) return { provider: row.provider, codeVerifier: row.codeVerifier ? openToken(row.codeVerifier) : undefined };

  const [existing] = await db.select().from(oauthStates).where(eq(oauthStates.state, key));
  if (!existing) throw new OAuthStateError("unknown");
  if (existing.userId !== args.userId) throw new OAuthStateError("wrong_user");
  if (existing.usedAt) throw new OAuthStateError("used");
  throw new OAuthStateError("expired");
}
