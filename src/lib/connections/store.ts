import { and, eq, ne, sql } from "drizzle-orm";
import { openToken, sealOptional, sealToken } from "@/lib/crypto/keyring";
import type { DbOrTx } from "@/lib/db";
import { providerConnections, type ProviderConnection } from "@/lib/db/schema";
import { providerName } from "@/lib/providers";
import type { AuthKind, TokenSet } from "@/lib/providers/types";
import { AccountLinkedElsewhereError } from "./errors";
import type { ProviderId } from "@/lib/providers/types";

/** provider_connection rows: tokens go in sealed, come out opened, never anywhere else. */


/** True when `err` (or its cause, as drizzle wraps driver errors) is a unique violation of `constraint`. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e = err as { code?: unknown; constraint?: unknown; constraint_name?: unknown; message?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === "23505") {
      if (!constraint) return true;
      const name = e.constraint ?? e.constraint_name;
      return name === constraint || (typeof e.message === "string" && e.message.includes(constraint));
    }
  }
  return false;
}

/** Refuses when (provider, providerUserId) already belongs to another user. */
export async function assertNotLinkedElsewhere(
  db: DbOrTx,
  args: { userId: string; provider: ProviderId; providerUserId?: string | null },
): Promise<void> {
  if (!args.providerUserId) return;
  const [other] = await db
    .select({ id: providerConnections.id })
    .from(providerConnections)
    .where(
      and(
        eq(providerConnections.provider, args.provider),
        eq(providerConnections.providerUserId, args.providerUserId),
        ne(providerConnections.userId, args.userId),
      ),
    );
  if (other) throw new AccountLinkedElsewhereError(args.provider, providerName(args.provider));
}

/** Refuses an API key (by its hash) that another user has already linked. */
async function assertCredentialNotLinkedElsewhere(
  db: DbOrTx,
  args: { userId: string; provider: ProviderId; credentialHash: string },
): Promise<void> {
  const [other] = await db
    .select({ id: providerConnections.id })
    .from(providerConnections)
    .where(
      and(
        eq(providerConnections.provider, args.provider),
        eq(providerConnections.credentialHash, args.credentialHash),
        ne(providerConnections.userId, args.userId),
      ),
    );
  if (other) throw new AccountLinkedElsewhereError(args.provider, providerName(args.provider));
}

/**
 * Creates or replaces the user's connection to `provider` (unique per user+provider) with fresh
 * tokens, status active. A provider account linked to another user is refused — also when two
 * users race, through the (provider, provider_user_id) unique index.
 */
export async function saveConnection(
  db: DbOrTx,
  args: { userId: string; provider: ProviderId; authKind: AuthKind; tokens: TokenSet; credentialHash?: string | null },
  now = new Date(),
): Promise<ProviderConnection> {
  const { userId, provider, authKind, tokens } = args;
  const credentialHash = args.credentialHash ?? null;
  await assertNotLinkedElsewhere(db, { userId, provider, providerUserId: tokens.providerUserId });
  if (credentialHash) await assertCredentialNotLinkedElsewhere(db, { userId, provider, credentialHash });
  const values = {
    userId,
    provider,
    authKind,
    providerUserId: tokens.providerUserId ?? null,
    displayName: tokens.displayName ?? null,
    status: "active" as const,
    accessTokenEnc: sealToken(tokens.accessToken),
    refreshTokenEnc: sealOptional(tokens.refreshToken),
    tokenSecretEnc: sealOptional(tokens.tokenSecret),
    expiresAt: tokens.expiresAt ?? null,
    scopes: tokens.scopes ?? [],
    meta: tokens.meta ?? {},
    lastError: null,
    lastRefreshedAt: null,
    credentialHash,
    connectedAt: now,
    updatedAt: now,
  };
  try {
    const [row] = await db
      .insert(providerConnections)
      .values(values)
      .onConflictDoUpdate({
        target: [providerConnections.userId, providerConnections.provider],
        set: {
          ...values,
          // keep what earlier steps stored (e.g. a notify subscription id), let new keys win
          meta: sql`${providerConnections.meta} || excluded.meta`,
        },
      })
      .returning();
    return row;
  } catch (error) {
    if (
      isUniqueViolation(error, "provider_connection_provider_user_uq") ||
      isUniqueViolation(error, "provider_connection_provider_credential_uq")
    ) {
      throw new AccountLinkedElsewhereError(provider, providerName(provider));
    }
    throw error;
  }
}

/** The row's tokens, opened. */
export function tokensFromRow(row: ProviderConnection): TokenSet {
  return {
    accessToken: row.accessTokenEnc ? openToken(row.accessTokenEnc) : "",
    refreshToken: row.refreshTokenEnc ? openToken(row.refreshTokenEnc) : null,
    tokenSecret: row.tokenSecretEnc ? openToken(row.tokenSecretEnc) : null,
    expiresAt: row.expiresAt,
    scopes: row.scopes,
    providerUserId: row.providerUserId,
    displayName: row.displayName,
    meta: row.meta as Record<string, unknown>,
  };
}

export async function findConnection(db: DbOrTx, userId: string, provider: ProviderId): Promise<ProviderConnection | undefined> {
  const [row] = await db
    .select()
    .from(providerConnections)
    .where(and(eq(providerConnections.userId, userId), eq(providerConnections.provider, provider)));
  return row;
}
