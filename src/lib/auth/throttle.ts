import { eq, sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { loginAttempts } from "@/lib/db/schema";

/**
 * Sign-in throttling. Two counters, both taken atomically BEFORE the password is checked (a row
 * lock serializes concurrent attempts), so 100 parallel requests cannot all be checked:
 *
 * - per (account, client): `PAIR_FREE` attempts, then exponential backoff (30 s, 1 min, 2 min …
 *   at most 15 min) between attempts. An attacker slows down only their own client on that
 *   account: the owner, signing in from another client, is never locked out. A success resets it.
 * - per client, over all accounts: at most `CLIENT_MAX` failed attempts per 15 minutes, so one
 *   client cannot walk through many accounts. A success refunds its own attempt only.
 *
 * The keys exist for unknown e-mails exactly as for known ones: answers and timing do not reveal
 * which e-mails have accounts. The client is the right-most X-Forwarded-For entry (the address
 * our reverse proxy saw); without a proxy every request is the client "unknown".
 */

export const PAIR_FREE = 5;
const PAIR_BASE_MS = 30_000;
const PAIR_MAX_MS = 15 * 60_000;
/** A pair's failures are forgotten a day after the first one. */
const PAIR_FORGET_MS = 24 * 3600_000;
export const CLIENT_MAX = 50;
const CLIENT_WINDOW_MS = 15 * 60_000;

export type Reservation = { ok: true; keys: { pair: string; client: string } } | { ok: false; retryAfterMs: number };

export const pairKey = (email: string, client: string) => `pair:${email}|${client}`;
export const clientKey = (client: string) => `client:${client}`;

/** The client address from request headers (see above); "unknown" when there is none. */
export function clientFromHeaders(headers: Headers | Record<string, unknown> | undefined): string {
  const get = (name: string): string | undefined => {
    if (!headers) return undefined;
    if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
    const v = (headers as Record<string, unknown>)[name];
    return typeof v === "string" ? v : Array.isArray(v) ? String(v[v.length - 1]) : undefined;
  };
  const forwarded = get("x-forwarded-for")?.split(",").map((s) => s.trim()).filter(Boolean);
  const ip = forwarded?.[forwarded.length - 1] ?? get("x-real-ip")?.trim();
  return ip && /^[0-9a-fA-F:.]{2,45}$/.test(ip) ? ip : "unknown";
}

type Row = typeof loginAttempts.$inferSelect;

/**
 * Takes one attempt on `key` unless it is locked. `next` computes the counters after this attempt.
 * Runs in a transaction holding the row lock, so concurrent attempts see each other's counts.
 */
async function take(
  db: Db,
  key: string,
  now: Date,
  next: (row: Row | undefined) => { failures: number; windowStartedAt: Date; lockedUntil: Date | null },
): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
  return db.transaction(async (tx) => {
    await tx.insert(loginAttempts).values({ key, failures: 0, windowStartedAt: now }).onConflictDoNothing();
    const [row] = await tx.select().from(loginAttempts).where(eq(loginAttempts.key, key)).for("update");
    if (row.lockedUntil && row.lockedUntil > now) return { ok: false, retryAfterMs: row.lockedUntil.getTime() - now.getTime() };
    await tx.update(loginAttempts).set(next(row)).where(eq(loginAttempts.key, key));
    return { ok: true };
  });
}

/** Reserves an attempt for (email, client), or says how long to wait. */
export async function reserveAttempt(db: Db, email: string, client: string, now: Date): Promise<Reservation> {
  const keys = { pair: pairKey(email, client), client: clientKey(client) };
  const c = await take(db, keys.client, now, (row) => {
    const fresh = !row || row.windowStartedAt.getTime() <= now.getTime() - CLIENT_WINDOW_MS;
    const windowStartedAt = fresh ? now : row.windowStartedAt;
    const failures = (fresh ? 0 : row.failures) + 1;
    return { failures, windowStartedAt, lockedUntil: failures >= CLIENT_MAX ? new Date(windowStartedAt.getTime() + CLIENT_WINDOW_MS) : null };
  });
  if (!c.ok) return c;
  const p = await take(db, keys.pair, now, (row) => {
    const fresh = !row || row.windowStartedAt.getTime() <= now.getTime() - PAIR_FORGET_MS;
    const failures = (fresh ? 0 : row.failures) + 1;
    const backoff = failures >= PAIR_FREE ? Math.min(PAIR_MAX_MS, PAIR_BASE_MS * 2 ** (failures - PAIR_FREE)) : 0;
    return { failures, windowStartedAt: fresh ? now : row.windowStartedAt, lockedUntil: backoff ? new Date(now.getTime() + backoff) : null };
  });
  if (!p.ok) {
    await refund(db, keys.client);
    return p;
  }
  return { ok: true, keys };
}

/** The password was right: the pair starts over, and the client gets its attempt back. */
export async function attemptSucceeded(db: Db, keys: { pair: string; client: string }): Promise<void> {
  await db.delete(loginAttempts).where(eq(loginAttempts.key, keys.pair));
  await refund(db, keys.client);
}

async function refund(db: Db, key: string): Promise<void> {
  await db
    .update(loginAttempts)
    .set({ failures: sql`greatest(${loginAttempts.failures} - 1, 0)` })
    .where(eq(loginAttempts.key, key));
}

export function waitMessage(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const text = seconds < 90 ? `${seconds} second${seconds === 1 ? "" : "s"}` : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many sign-in attempts. Try again in ${text}.`;
}
