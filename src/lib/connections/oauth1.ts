import { createHmac, timingSafeEqual } from "node:crypto";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { openToken, sealOptional, sealToken } from "@/lib/crypto/keyring";
import type { Db } from "@/lib/db";
import { providerConnections, type ProviderConnection } from "@/lib/db/schema";
import { env, providerVar } from "@/lib/env";
import { isProviderId, oauth1Of, oauth2Of, providers, type ProviderDefinition, type ProviderId } from "@/lib/providers";
import { InvalidGrantError, ProviderNotConfiguredError } from "@/lib/providers/shared/errors";
import { exchangeOAuth1ForOAuth2 } from "@/lib/providers/garmin/auth";
import { clientVars, providerContext } from "@/lib/providers/shared/http";
import type { OAuth1Flow, ProviderContext } from "@/lib/providers/types";
import { ConnectionNotFoundError, ProviderDeniedError, UnknownProviderError } from "./errors";
import { findConnection, saveConnection, tokensFromRow } from "./store";

/**
 * The OAuth 1.0a connect flow (Garmin until 2026-12-31). There is no `state` parameter in 1.0a, so
 * the flow is bound to the signed-in user by a short-lived, httpOnly, HMAC-signed cookie holding
 * the request token, its SEALED secret, the user id and an expiry.
 */

export const OAUTH1_COOKIE = "hb_oauth1";
export const OAUTH1_TTL_S = 10 * 60;

export type OAuth1Problem = "missing_cookie" | "invalid_cookie" | "expired" | "wrong_user" | "token_mismatch";

const MESSAGES: Record<OAuth1Problem, string> = {
  missing_cookie: "This connection attempt is unknown to this browser (its cookie is missing). Start it again from Settings.",
  invalid_cookie: "This connection attempt could not be verified. Start it again from Settings.",
  expired: "This connection attempt expired (after 10 minutes). Start it again from Settings.",
  wrong_user: "This connection was started by a different account. Sign in as that account, or start again from Settings.",
  token_mismatch: "The provider answered for a different connection attempt. Start it again from Settings.",
};

/** The callback cannot be tied to the flow this user started; nothing was stored. Answer 400. */
export class OAuth1FlowError extends Error {
  constructor(readonly problem: OAuth1Problem) {
    super(MESSAGES[problem]);
    this.name = "OAuth1FlowError";
  }
}

const consumerConfigured = (flow: OAuth1Flow) =>
  Boolean(providerVar(flow.consumerVars.key) && providerVar(flow.consumerVars.secret));
const oauth2Configured = (def: ProviderDefinition) => {
  const { idVar, secretVar } = clientVars(def.id);
  return Boolean(oauth2Of(def) && providerVar(idVar) && providerVar(secretVar));
};

/** OAuth 1.0a is used only when the provider has it and no OAuth 2.0 client is configured (2.0 is preferred). */
export function usesOAuth1(def: ProviderDefinition): boolean {
  const flow = oauth1Of(def);
  return Boolean(flow && consumerConfigured(flow) && !oauth2Configured(def));
}

/** Context whose clientId/clientSecret are the consumer key/secret. */
export function oauth1Context(def: ProviderDefinition, userId?: string): { ctx: ProviderContext; flow: OAuth1Flow } {
  const flow = oauth1Of(def);
  if (!flow) throw new UnknownProviderError(def.id);
  const ctx = providerContext(def, { userId, idVar: flow.consumerVars.key, secretVar: flow.consumerVars.secret });
  return { ctx, flow };
}

// ───────────────────────── the signed cookie ─────────────────────────

const cookiePayload = z.object({
  p: z.string(),
  u: z.string(),
  t: z.string(),
  /** sealed request-token secret */
  s: z.string(),
  /** expiry, epoch ms */
  e: z.number(),
});
type CookiePayload = z.infer<typeof cookiePayload>;

const mac = (data: string) => createHmac("sha256", env().NEXTAUTH_SECRET).update(`oauth1-cookie.${data}`).digest("base64url");

function encodeCookie(payload: CookiePayload): string {
  const data = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${data}.${mac(data)}`;
}

function decodeCookie(value: string | undefined): CookiePayload {
  if (!value) throw new OAuth1FlowError("missing_cookie");
  const [data, sig, extra] = value.split(".");
  if (!data || !sig || extra !== undefined) throw new OAuth1FlowError("invalid_cookie");
  const expected = Buffer.from(mac(data));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new OAuth1FlowError("invalid_cookie");
  try {
    return cookiePayload.parse(JSON.parse(Buffer.from(data, "base64url").toString("utf8")));
  } catch {
    throw new OAuth1FlowError("invalid_cookie");
  }
}

export type OAuth1Cookie = {
  name: string;
  value: string;
  maxAge: number;
  httpOnly: true;
  sameSite: "lax";
  secure: boolean;
  path: string;
};

/** The cookie attributes; `value: ""` + `maxAge: 0` clears it (do so after every callback). */
export function oauth1Cookie(value: string, maxAge = OAUTH1_TTL_S): OAuth1Cookie {
  // lax: the provider's redirect back is a top-level GET navigation, which lax cookies accompany.
  return { name: OAUTH1_COOKIE, value, maxAge, httpOnly: true, sameSite: "lax", secure: env().APP_URL.startsWith("https:"), path: "/api/oauth" };
}

/** `Set-Cookie` header value. */
export function serializeCookie(c: OAuth1Cookie): string {
  return [`${c.name}=${c.value}`, `Max-Age=${c.maxAge}`, `Path=${c.path}`, "HttpOnly", "SameSite=Lax", ...(c.secure ? ["Secure"] : [])].join("; ");
}

/** Adds the cookie to a response (a fresh `Response`, whose headers are mutable). */
export function withOAuth1Cookie(res: Response, cookie: OAuth1Cookie): Response {
  res.headers.append("Set-Cookie", serializeCookie(cookie));
  return res;
}

/** Clears the flow cookie: it is single-use, whatever the callback's outcome. */
export const clearOAuth1Cookie = (res: Response) => withOAuth1Cookie(res, oauth1Cookie("", 0));

// ───────────────────────── the flow ─────────────────────────

/**
 * Gets a request token for `userId` and returns the REAL authorize url (route it through
 * `routeUrl`) plus the cookie that binds the callback to this user.
 */
export async function startOAuth1(
  userId: string,
  providerId: ProviderId = "garmin",
  now = new Date(),
): Promise<{ provider: ProviderId; redirectUrl: string; cookie: OAuth1Cookie }> {
  const def = providers[providerId];
  if (!oauth1Of(def)) throw new UnknownProviderError(providerId);
  const { ctx, flow } = oauth1Context(def, userId);
  const requestToken = await flow.requestToken(ctx);
  const value = encodeCookie({
    p: def.id,
    u: userId,
    t: requestToken.key,
    s: sealToken(requestToken.secret),
    e: now.getTime() + OAUTH1_TTL_S * 1000,
  });
  return { provider: def.id, redirectUrl: flow.authorizeUrl(ctx, requestToken.key), cookie: oauth1Cookie(value) };
}

const callbackQuery = z.object({
  oauth_token: z.string().min(1).max(1024),
  oauth_verifier: z.string().min(1).max(1024).optional(),
});

/**
 * Handles the provider's redirect (`?oauth_token&oauth_verifier`) for the signed-in `userId`.
 * Throws OAuth1FlowError (missing/tampered/expired cookie, other user, mismatched token) before any
 * provider call or write; ProviderDeniedError when there is no verifier; then exchanges the
 * verifier, fetches the provider user id and saves the connection (token and secret sealed).
 */
export async function completeOAuth1(
  db: Db,
  userId: string,
  query: { oauth_token?: string; oauth_verifier?: string },
  cookieValue: string | undefined,
  now = new Date(),
): Promise<{ provider: ProviderId; connection: ProviderConnection }> {
  const bound = decodeCookie(cookieValue);
  if (bound.e <= now.getTime()) throw new OAuth1FlowError("expired");
  if (bound.u !== userId) throw new OAuth1FlowError("wrong_user");
  const parsed = callbackQuery.safeParse(query);
  const a = Buffer.from(parsed.success ? parsed.data.oauth_token : "");
  const b = Buffer.from(bound.t);
  if (!parsed.success || a.length !== b.length || !timingSafeEqual(a, b)) throw new OAuth1FlowError("token_mismatch");
  if (!isProviderId(bound.p) || !oauth1Of(providers[bound.p])) throw new OAuth1FlowError("invalid_cookie");
  const def = providers[bound.p];
  if (!parsed.data.oauth_verifier) throw new ProviderDeniedError(def.id, `${def.name} sent no verifier: the request was not approved`);

  let secret: string;
  try {
    secret = openToken(bound.s);
  } catch {
    throw new OAuth1FlowError("invalid_cookie");
  }
  const { ctx, flow } = oauth1Context(def, userId);
  let tokens = await flow.exchangeVerifier(ctx, { key: bound.t, secret }, parsed.data.oauth_verifier);
  tokens = (await flow.onConnected?.(ctx, tokens)) ?? tokens;
  const connection = await saveConnection(db, { userId, provider: def.id, authKind: "oauth1", tokens });
  return { provider: def.id, connection };
}

// ───────────────────────── Garmin 1.0a → 2.0 migration ─────────────────────────

/**
 * Swaps the user's Garmin OAuth 1.0a tokens for OAuth 2.0 tokens through Garmin's token exchange
 * and updates the same row (auth_kind → "oauth2", token secret dropped). Runs under the row lock so
 * two migrations can't race. Idempotent: an OAuth 2.0 row is returned unchanged. A refused 1.0a
 * token marks the connection needs_reauth.
 */
export async function migrateGarminToOAuth2(
  db: Db,
  userId: string,
  now = new Date(),
): Promise<{ migrated: boolean; connection: ProviderConnection }> {
  const def = providers.garmin;
  if (!oauth2Configured(def)) {
    const { idVar, secretVar } = clientVars(def.id);
    throw new ProviderNotConfiguredError(def.id, [idVar, secretVar]);
  }
  const { ctx } = oauth1Context(def, userId);
  const existing = await findConnection(db, userId, def.id);
  if (!existing) throw new ConnectionNotFoundError(`${def.id} connection of this user`);

  const outcome = await db.transaction(async (tx) => {
    const [row] = await tx.select().from(providerConnections).where(eq(providerConnections.id, existing.id)).for("update");
    if (!row) throw new ConnectionNotFoundError(existing.id);
    if (row.authKind !== "oauth1") return { migrated: false, connection: row };
    try {
      const fresh = await exchangeOAuth1ForOAuth2(ctx, tokensFromRow(row));
      const [updated] = await tx
        .update(providerConnections)
        .set({
          authKind: "oauth2",
          accessTokenEnc: sealToken(fresh.accessToken),
          refreshTokenEnc: sealOptional(fresh.refreshToken),
          tokenSecretEnc: null,
          expiresAt: fresh.expiresAt ?? null,
          scopes: fresh.scopes ?? row.scopes,
          status: "active",
          lastError: null,
          lastRefreshedAt: now,
          updatedAt: now,
        })
        .where(eq(providerConnections.id, row.id))
        .returning();
      return { migrated: true, connection: updated };
    } catch (error) {
      if (!(error instanceof InvalidGrantError)) throw error;
      await tx
        .update(providerConnections)
        .set({ status: "needs_reauth", lastError: error.message, updatedAt: now })
        .where(eq(providerConnections.id, row.id));
      return { dead: error };
    }
  });
  if ("dead" in outcome) throw outcome.dead;
  return outcome;
}
