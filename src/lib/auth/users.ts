import { eq, sql } from "drizzle-orm";
import type { Db } from "@/lib/db";
import { loginAttempts, users } from "@/lib/db/schema";
import { emailSchema, hashPassword, passwordSchema, verifyPassword } from "./password";

export class AuthError extends Error {
  constructor(
    public readonly code: "duplicate_email" | "invalid_input" | "wrong_credentials" | "throttled",
    message: string,
  ) {
    super(message);
    this.name = "AuthError";
  }
}

const MAX_FAILURES = 5;
const WINDOW_MS = 15 * 60 * 1000;
const LOCK_MS = 15 * 60 * 1000;

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
  if (!created) throw new AuthError("duplicate_email", "An account with this e-mail already exists. Sign in instead.");
  return created;
}

/** Checks credentials with throttling: after 5 failures in 15 minutes the e-mail is locked for 15 minutes. */
export async function authenticate(db: Db, input: { email: unknown; password: unknown }, now = new Date()) {
  const email = emailSchema.safeParse(input.email);
  if (!email.success || typeof input.password !== "string" || input.password === "")
    throw new AuthError("invalid_input", "Enter your e-mail and password.");
  const key = `email:${email.data}`;
  const [attempt] = await db.select().from(loginAttempts).where(eq(loginAttempts.key, key));
  if (attempt?.lockedUntil && attempt.lockedUntil > now) {
    const minutes = Math.ceil((attempt.lockedUntil.getTime() - now.getTime()) / 60000);
    throw new AuthError("throttled", `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`);
  }
  const [user] = await db.select().from(users).where(eq(users.email, email.data));
  // Hash even when the user is unknown, so timing does not reveal which e-mails exist.
  const ok = user?.passwordHash
    ? await verifyPassword(input.password, user.passwordHash)
    : (await hashPassword(input.password), false);
  if (ok) {
    await db.delete(loginAttempts).where(eq(loginAttempts.key, key));
    return { id: user!.id, email: user!.email, name: user!.name };
  }
  await recordFailure(db, key, now);
  throw new AuthError("wrong_credentials", "Wrong e-mail or password.");
}

async function recordFailure(db: Db, key: string, now: Date) {
  // Plain ISO strings: raw Dates inside sql`` are not serialised by every driver.
  const windowStart = new Date(now.getTime() - WINDOW_MS).toISOString();
  const nowIso = now.toISOString();
  const [row] = await db
    .insert(loginAttempts)
    .values({ key, failures: 1, windowStartedAt: now })
    .onConflictDoUpdate({
      target: loginAttempts.key,
      set: {
        failures: sql`CASE WHEN ${loginAttempts.windowStartedAt} < ${windowStart}::timestamptz THEN 1 ELSE ${loginAttempts.failures} + 1 END`,
        windowStartedAt: sql`CASE WHEN ${loginAttempts.windowStartedAt} < ${windowStart}::timestamptz THEN ${nowIso}::timestamptz ELSE ${loginAttempts.windowStartedAt} END`,
      },
    })
    .returning();
  if (row.failures >= MAX_FAILURES) {
    await db
      .update(loginAttempts)
      .set({ lockedUntil: new Date(now.getTime() + LOCK_MS), failures: 0, windowStartedAt: now })
      .where(eq(loginAttempts.key, key));
  }
}
