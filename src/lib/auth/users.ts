import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { users } from "@/lib/db/schema";
import { emailSchema, hashPassword, passwordSchema, verifyPassword } from "./password";
import { attemptSucceeded, reserveAttempt, waitMessage } from "./throttle";

export class AuthError extends Error {
  constructor(
    public readonly code: "duplicate_email" | "invalid_input" | "wrong_credentials" | "throttled",
    message: string,
  ) {
    super(message);
    this.name = "AuthError";
  }
}

/**
 * Creates the account. A taken e-mail is NOT an error: the caller answers the same either way (and
 * the password is hashed either way, for the same timing), so sign-up cannot tell which e-mails
 * have accounts. `created` says which happened, for the caller's own bookkeeping only.
 */
export async function signUp(db: Db, input: { email: unknown; password: unknown; name?: unknown }) {
  const email = emailSchema.safeParse(input.email);
  if (!email.success) throw new AuthError("invalid_input", email.error.issues[0].message);
  const password = passwordSchema.safeParse(input.password);
  if (!password.success) throw new AuthError("invalid_input", password.error.issues[0].message);
  const name = typeof input.name === "string" && input.name.trim() ? input.name.trim().slice(0, 100) : null;
  const passwordHash = await hashPassword(password.data);
  const [created] = await db
    .insert(users)
    .values({ email: email.data, name, passwordHash })
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id, email: users.email });
  return { email: email.data, created: Boolean(created), id: created?.id ?? null };
}

export type Authenticated = { id: string; email: string; name: string | null; sessionVersion: number };

/**
 * Checks credentials, throttled per (account, client) and per client (see throttle.ts). The answer
 * is the same for unknown e-mails and wrong passwords, and a scrypt runs in both cases.
 */
export async function authenticate(
  db: Db,
  input: { email: unknown; password: unknown; client?: string },
  now = new Date(),
): Promise<Authenticated> {
  const email = emailSchema.safeParse(input.email);
  if (!email.success || typeof input.password !== "string" || input.password === "" || input.password.length > 1024)
    throw new AuthError("invalid_input", "Enter your e-mail and password.");
  const reservation = await reserveAttempt(db, email.data, input.client ?? "unknown", now);
  if (!reservation.ok) throw new AuthError("throttled", waitMessage(reservation.retryAfterMs));
  const [user] = await db.select().from(users).where(eq(users.email, email.data));
  // Hash even when the user is unknown, so timing does not reveal which e-mails exist.
  const ok = user?.passwordHash
    ? await verifyPassword(input.password, user.passwordHash)
    : (await verifyPassword(input.password, DUMMY_HASH), false);
  if (!ok || !user) throw new AuthError("wrong_credentials", "Wrong e-mail or password.");
  await attemptSucceeded(db, reservation.keys);
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
}

/** A real scrypt hash of a random password: unknown e-mails cost one verification like known ones. */
const DUMMY_HASH = "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$9Wm5v0l0Yk1rJ3oB6o3T8cJc2Lh8l6q3c9Q0Q3p1Z0E";

/** Sign-out and password change: every session issued before now stops working (see options.ts). */
export async function revokeSessions(db: Db, userId: string): Promise<void> {
  await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId));
}

/** True while the session's user exists and its version is still the user's. */
export async function sessionIsCurrent(db: Db, userId: string, version: unknown): Promise<boolean> {
  if (typeof version !== "number") return false;
  const [row] = await db.select({ v: users.sessionVersion }).from(users).where(eq(users.id, userId));
  return row?.v === version;
}

const changePasswordInput = z.object({
  current: z.string({ message: "Enter your current password." }).min(1, "Enter your current password.").max(1024),
  next: passwordSchema,
});

/**
 * Changes the password after checking the current one (throttled like sign-in), and revokes every
 * session, this one included: the caller signs in again with the new password.
 */
export async function changePassword(
  db: Db,
  user: { id: string; email: string },
  input: { current: unknown; next: unknown },
  opts: { client?: string; now?: Date } = {},
): Promise<{ sessionVersion: number }> {
  const parsed = changePasswordInput.safeParse(input);
  if (!parsed.success) throw new AuthError("invalid_input", parsed.error.issues[0].message);
  if (parsed.data.current === parsed.data.next) throw new AuthError("invalid_input", "The new password must differ from the current one.");
  try {
    await authenticate(db, { email: user.email, password: parsed.data.current, client: opts.client }, opts.now);
  } catch (error) {
    if (error instanceof AuthError && error.code === "wrong_credentials")
      throw new AuthError("wrong_credentials", "The current password is not right.");
    throw error;
  }
  const passwordHash = await hashPassword(parsed.data.next);
  const [row] = await db
    .update(users)
    .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, user.id))
    .returning({ v: users.sessionVersion });
  if (!row) throw new AuthError("invalid_input", "This account no longer exists.");
  return { sessionVersion: row.v };
}
