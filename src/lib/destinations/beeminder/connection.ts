import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { sha256Hex } from "@/lib/crypto";
import { openToken, sealToken } from "@/lib/crypto/keyring";
import type { Db } from "@/lib/db";
import { beeminderConnections } from "@/lib/db/schema";
import { env } from "@/lib/env";
import { consumeOAuthState, createOAuthState } from "@/lib/connections/oauth-state";
import { authorizeUrl, BeeminderAuthError, getMe, type RetryOptions } from "./api";

/**
 * Connecting Beeminder (beeminder.md B.2): its redirect carries `access_token` and `username` and
 * nothing of ours (no `state`), so the single-use oauth_state is carried by an httpOnly cookie set
 * when the flow starts, and consumed for the signed-in user on the way back. The token is kept only
 * once `users/me` confirms it belongs to the username in the redirect.
 */

export const BEEMINDER_STATE_COOKIE = "hb_beeminder_state";

export const beeminderRedirectUri = () => `${env().APP_URL.replace(/\/+$/, "")}/api/beeminder/callback`;

export async function startBeeminderConnect(db: Db, userId: string, now = new Date()): Promise<{ url: string; state: string }> {
  const url = authorizeUrl(beeminderRedirectUri()); // throws when not configured, before a state is stored
  const { state } = await createOAuthState(db, { userId, provider: "beeminder", pkce: false }, now);
  return { url, state };
}

export class BeeminderConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BeeminderConnectError";
  }
}

const callbackQuery = z.object({
  access_token: z.string().min(1).max(512).optional(),
  username: z.string().min(1).max(100).optional(),
});

export async function completeBeeminderConnect(
  db: Db,
  args: { userId: string; state: string | undefined; query: Record<string, string>; retry?: RetryOptions },
  now = new Date(),
) {
  // The state first: a callback not started by this user in this browser stores nothing.
  const bound = await consumeOAuthState(db, { state: args.state ?? "", userId: args.userId }, now);
  if (bound.provider !== "beeminder") throw new BeeminderConnectError("This connection attempt was not started for Beeminder. Start it again from Settings.");
  const q = callbackQuery.safeParse(args.query);
  if (!q.success || !q.data.access_token || !q.data.username) {
    throw new BeeminderConnectError("Beeminder did not authorize Healthbridge (no access token came back).");
  }
  const token = q.data.access_token;
  let me;
  try {
    me = await getMe(token, args.retry);
  } catch (error) {
    if (error instanceof BeeminderAuthError) throw new BeeminderConnectError("Beeminder did not accept the access token it sent. Please connect again.");
    throw error;
  }
  if (me.username !== q.data.username) {
    throw new BeeminderConnectError(`Beeminder says this token belongs to "${me.username}", not "${q.data.username}". Nothing was stored.`);
  }
  const [taken] = await db
    .select({ userId: beeminderConnections.userId })
    .from(beeminderConnections)
    .where(eq(beeminderConnections.username, me.username));
  if (taken && taken.userId !== args.userId) {
    throw new BeeminderConnectError(`The Beeminder account "${me.username}" is already connected to another Healthbridge account. Nothing was stored.`);
  }
  const values = {
    username: me.username,
    accessTokenEnc: sealToken(token),
    tokenHash: sha256Hex(token),
    status: "active" as const,
    timezone: me.timezone,
    lastError: null,
    // Due at once: a pass refused while the token was revoked must not make what came meanwhile
    // wait for the hourly catch-up.
    lastPushedAt: null,
    failures: 0,
    retryAt: null,
    connectedAt: now,
    updatedAt: now,
  };
  // Reconnecting replaces the token in place: goal links and what was sent stay.
  const [row] = await db
    .insert(beeminderConnections)
    .values({ userId: args.userId, ...values })
    .onConflictDoUpdate({ target: beeminderConnections.userId, set: values })
    .returning();
  return row;
}

export async function getBeeminderConnection(db: Db, userId: string) {
  const [row] = await db.select().from(beeminderConnections).where(eq(beeminderConnections.userId, userId));
  return row ?? null;
}

export const connectionToken = (row: { accessTokenEnc: string }) => openToken(row.accessTokenEnc);

export async function markBeeminderRevoked(db: Db, connectionId: string, message: string, now = new Date()): Promise<void> {
  await db.update(beeminderConnections).set({ status: "revoked", lastError: message, updatedAt: now }).where(eq(beeminderConnections.id, connectionId));
}

/**
 * B.2 step 5: Beeminder POSTs the revoked `access_token`. Only a caller holding the token can name
 * it, so a match is proof enough; anything else changes nothing. Returns whether a connection matched.
 */
export async function handleDeauthorization(db: Db, accessToken: string, now = new Date()): Promise<boolean> {
  if (!accessToken || accessToken.length > 512) return false;
  const rows = await db
    .update(beeminderConnections)
    .set({ status: "revoked", lastError: "You removed Healthbridge on Beeminder, so nothing is sent. Connect Beeminder again to resume.", updatedAt: now })
    .where(and(eq(beeminderConnections.tokenHash, sha256Hex(accessToken)), eq(beeminderConnections.status, "active")))
    .returning({ id: beeminderConnections.id });
  return rows.length > 0;
}

export async function disconnectBeeminder(db: Db, userId: string): Promise<void> {
  await db.delete(beeminderConnections).where(eq(beeminderConnections.userId, userId));
}
