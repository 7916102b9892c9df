import { and, eq } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { retryOnConflict } from "@/lib/db/schema-state";
import {
  activities,
  dailySummaries,
  measurements,
  providerConnections,
  rawRecords,
  sleepSessions,
  type ProviderConnection,
} from "@/lib/db/schema";
import { isConfigured, isProviderId, oauth1Of, oauth2Of, providers, retirementNote, type ProviderId } from "@/lib/providers";
import { ProviderError, ProviderNotConfiguredError, safeReason } from "@/lib/providers/shared/errors";
import { providerContext } from "@/lib/providers/shared/http";
import type { TokenSet } from "@/lib/providers/types";
import { markProviderDays } from "@/lib/reconcile/dirty";
import { oauth1Context } from "./oauth1";
import { tokensFromRow } from "./store";
import { getValidTokens } from "./tokens";

export type DisconnectResult = {
  /** A connection existed and was removed. */
  disconnected: boolean;
  /** The provider confirmed the revocation. */
  revoked: boolean;
  /** Why revocation was skipped or failed (secret-free); never blocks the disconnect. */
  revokeError?: string;
  /** Why revocation was not even tried, as a sentence for the user: the provider's API is gone. */
  revokeSkipped?: string;
  dataDeleted: boolean;
};

/** Revokes at the provider; returns why it could not, or undefined on success. */
async function revokeAtProvider(db: Db, row: ProviderConnection): Promise<string | undefined> {
  if (!isProviderId(row.provider)) return "unknown provider";
  const def = providers[row.provider];
  const flow = row.authKind === "oauth2" ? oauth2Of(def) : row.authKind === "oauth1" ? oauth1Of(def) : undefined;
  const revoke = flow?.revoke;
  if (!revoke) return `${def.name} has no revocation endpoint`;
  if (!isConfigured(def)) return `${def.name} is not configured`;

  let tokens: TokenSet = tokensFromRow(row);
  if (row.status === "active") {
    // Some revoke calls need a live access token (Strava): refresh first if it is stale. One try only.
    try {
      tokens = { ...tokens, accessToken: (await getValidTokens(db, row.id, { attempts: 1 })).accessToken };
    } catch {
      // revoke with what we have
    }
  }
  try {
    // OAuth 1.0a calls are signed with the consumer key/secret, not the OAuth 2.0 client.
    const ctx = row.authKind === "oauth1" ? oauth1Context(def, row.userId).ctx : providerContext(def, { userId: row.userId });
    await revoke.call(flow, ctx, tokens);
    return undefined;
  } catch (error) {
    if (error instanceof ProviderError || error instanceof ProviderNotConfiguredError) {
      return safeReason(error.message, [tokens.accessToken, tokens.refreshToken]);
    }
    return "revocation failed";
  }
}

/**
 * Disconnects `provider` for `userId`: revokes at the provider where possible (best effort; a
 * failure never blocks), deletes the connection row (tokens with it; sync state cascades) and, with
 * `deleteData`, every row that provider synced for this user.
 */
export async function disconnect(
  db: Db,
  userId: string,
  provider: ProviderId,
  opts: { deleteData?: boolean } = {},
): Promise<DisconnectResult> {
  const [row] = await db
    .select()
    .from(providerConnections)
    .where(and(eq(providerConnections.userId, userId), eq(providerConnections.provider, provider)));

  // A retired provider's API is gone: there is nothing to call, so nothing is tried.
  const retired = retirementNote(providers[provider]);
  const revokeError = row && !retired ? await revokeAtProvider(db, row) : undefined;

  // A sync run of this connection may be writing the same rows right now: PostgreSQL breaks the
  // deadlock by aborting one side, and if it is this one, it runs again once the run's transaction is over.
  await retryOnConflict(() => db.transaction(async (tx) => {
    if (row) await tx.delete(providerConnections).where(eq(providerConnections.id, row.id));
    if (opts.deleteData) {
      // The days this provider contributed to are rebuilt without it.
      await markProviderDays(tx, userId, provider);
      for (const table of [activities, sleepSessions, dailySummaries, measurements, rawRecords]) {
        await tx.delete(table).where(and(eq(table.userId, userId), eq(table.provider, provider)));
      }
    }
  }));
  // The marked days are rebuilt by the next read or the runner's sweep, not here: a history of years
  // would hold the Disconnect click for as long.

  return {
    disconnected: Boolean(row),
    revoked: Boolean(row) && !retired && revokeError === undefined,
    revokeError: row ? revokeError : undefined,
    revokeSkipped: row && retired ? `${retired} There is nothing left to revoke there; the stored tokens are deleted.` : undefined,
    dataDeleted: Boolean(opts.deleteData),
  };
}
