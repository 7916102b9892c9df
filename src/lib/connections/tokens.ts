import { eq } from "drizzle-orm";
import { sealOptional, sealToken } from "@/lib/crypto/keyring";
import type { Db } from "@/lib/db";
import { providerConnections, type ProviderConnection } from "@/lib/db/schema";
import { isProviderId, providers } from "@/lib/providers";
import { InvalidGrantError, TransientProviderError } from "@/lib/providers/shared/errors";
import { providerContext } from "@/lib/providers/shared/http";
import type { ProviderContext, TokenSet } from "@/lib/providers/types";
import { ConnectionNotFoundError, ConnectionUnavailableError } from "./errors";
import { tokensFromRow } from "./store";

/**
 * A valid access token for a connection, refreshing it when it expires within REFRESH_MARGIN_MS.
 *
 * Refresh tokens rotate and are single-use at most providers, so two concurrent refreshes would kill
 * a healthy connection. The refresh therefore runs inside a transaction holding the row lock
 * (SELECT … FOR UPDATE) and re-checks the expiry after acquiring it: of N concurrent callers, in any
 * number of processes, one refreshes and stores the rotated tokens before committing; the others
 * wake up to the new row and use it. Backoff sleeps happen outside the transaction.
 */

export const REFRESH_MARGIN_MS = 5 * 60_000;

export type RefreshOptions = {
  /** Total tries for transient failures (5xx, 429, timeouts). Default 4. */
  attempts?: number;
  /** First backoff step; doubles each retry, full jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap for one wait (also caps Retry-After). Default 10 s. */
  maxDelayMs?: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Refresh even though the token is not near expiry (the provider answered 401 to it). With
   * `staleAccessToken`, only while the stored token is still that one: if another caller already
   * replaced it, the new token is returned without a second refresh.
   */
  force?: boolean;
  staleAccessToken?: string;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter, never shorter than Retry-After, capped. */
export function backoffDelay(attempt: number, opts: { baseDelayMs: number; maxDelayMs: number; retryAfterMs?: number }): number {
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.random() * exp;
  return Math.min(opts.maxDelayMs, Math.max(jittered, opts.retryAfterMs ?? 0));
}

const needsRefresh = (row: ProviderConnection, now: Date) =>
  row.expiresAt !== null && row.expiresAt.getTime() - now.getTime() < REFRESH_MARGIN_MS;
const isExpired = (row: ProviderConnection, now: Date) => row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime();

type Want = Pick<RefreshOptions, "force" | "staleAccessToken">;
/** Whether this row should be refreshed now, for these options. */
function wantsRefresh(row: ProviderConnection, now: Date, want: Want): boolean {
  if (!want.force) return needsRefresh(row, now);
  return want.staleAccessToken === undefined || tokensFromRow(row).accessToken === want.staleAccessToken;
}

type Refresher = (ctx: ProviderContext, current: TokenSet) => Promise<TokenSet>;

/**
 * How a row's tokens are refreshed, by the protocol that produced them. Other auth kinds (e.g. a
 * password re-login) plug in here.
 */
function refresherFor(row: ProviderConnection): Refresher | undefined {
  if (!isProviderId(row.provider)) return undefined;
  const def = providers[row.provider];
  if (row.authKind === "oauth2" && def.authKind === "oauth2") return def.oauth2.refresh?.bind(def.oauth2);
  if (row.authKind === "password" && def.authKind === "password") return def.password.refresh?.bind(def.password);
  return undefined;
}

type Outcome =
  | { kind: "ok"; row: ProviderConnection; accessToken?: string }
  | { kind: "dead"; error: InvalidGrantError };

async function refreshUnderLock(db: Db, connectionId: string, now: Date, want: Want): Promise<Outcome> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(providerConnections).where(eq(providerConnections.id, connectionId)).for("update");
    if (!row) throw new ConnectionNotFoundError(connectionId);
    if (row.status !== "active") throw new ConnectionUnavailableError(row.id, row.status, row.lastError);
    if (!wantsRefresh(row, now, want)) return { kind: "ok", row }; // another caller refreshed while we waited

    const markDead = async (error: InvalidGrantError): Promise<Outcome> => {
      await tx
        .update(providerConnections)
        .set({ status: "needs_reauth", lastError: error.message, updatedAt: now })
        .where(eq(providerConnections.id, row.id));
      return { kind: "dead", error };
    };

    const refresh = refresherFor(row);
    const current = tokensFromRow(row);
    if (!refresh || !current.refreshToken) {
      // Nothing to refresh with: usable until it expires (or is rejected), then only a reconnect helps.
      if (want.force) return markDead(new InvalidGrantError(row.provider, "the access token was rejected and cannot be refreshed"));
      if (!isExpired(row, now)) return { kind: "ok", row };
      return markDead(new InvalidGrantError(row.provider, "the access token expired and cannot be refreshed"));
    }

    try {
      const fresh = await refresh(providerContext(row.provider, { userId: row.userId }), current);
      const [updated] = await tx
        .update(providerConnections)
        .set({
          accessTokenEnc: sealToken(fresh.accessToken),
          refreshTokenEnc: sealOptional(fresh.refreshToken ?? current.refreshToken),
          expiresAt: fresh.expiresAt ?? null,
          scopes: fresh.scopes ?? row.scopes,
          lastRefreshedAt: now,
          lastError: null,
          updatedAt: now,
        })
        .where(eq(providerConnections.id, row.id))
        .returning();
      return { kind: "ok", row: updated, accessToken: fresh.accessToken };
    } catch (error) {
      if (error instanceof InvalidGrantError) return markDead(error);
      throw error; // rolls back; transient failures are retried by the caller, outside the lock
    }
  });
}

/** The connection row and a valid, opened access token. See the module comment. */
export async function getValidTokens(
  db: Db,
  connectionId: string,
  opts: RefreshOptions = {},
): Promise<{ accessToken: string; connection: ProviderConnection }> {
  const clock = opts.now ?? (() => new Date());
  const attempts = opts.attempts ?? 4;
  const sleep = opts.sleep ?? defaultSleep;

  // Fast path, no lock: the token is fine.
  const [row] = await db.select().from(providerConnections).where(eq(providerConnections.id, connectionId));
  if (!row) throw new ConnectionNotFoundError(connectionId);
  if (row.status !== "active") throw new ConnectionUnavailableError(row.id, row.status, row.lastError);
  const want: Want = { force: opts.force, staleAccessToken: opts.staleAccessToken };
  if (!wantsRefresh(row, clock(), want)) return { accessToken: tokensFromRow(row).accessToken, connection: row };

  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await refreshUnderLock(db, connectionId, clock(), want);
      if (outcome.kind === "dead") throw outcome.error;
      return { accessToken: outcome.accessToken ?? tokensFromRow(outcome.row).accessToken, connection: outcome.row };
    } catch (error) {
      if (!(error instanceof TransientProviderError)) throw error;
      if (attempt >= attempts) {
        // Status stays active (the grant may be fine); the reason is kept for the settings page.
        await db
          .update(providerConnections)
          .set({ lastError: error.message, updatedAt: clock() })
          .where(eq(providerConnections.id, connectionId));
        throw error;
      }
      await sleep(
        backoffDelay(attempt, {
          baseDelayMs: opts.baseDelayMs ?? 500,
          maxDelayMs: opts.maxDelayMs ?? 10_000,
          retryAfterMs: error.retryAfterMs,
        }),
      );
    }
  }
}

/** A valid access token for the connection (refreshed under a row lock when needed). */
export async function getValidAccessToken(db: Db, connectionId: string, opts: RefreshOptions = {}): Promise<string> {
  return (await getValidTokens(db, connectionId, opts)).accessToken;
}
