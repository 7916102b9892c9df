import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import type { NextAuthOptions } from "next-auth";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb, type TestDb } from "@/test/db";

/**
 * Sessions are revocable: next-auth's own handler (as the /api/auth route runs it) signs in, and a
 * copy of the session cookie taken before sign-out or a password change stops working after it.
 */

const state = vi.hoisted(() => ({ db: null as unknown }));
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: async () => state.db,
}));

// next-auth's core handler (what /api/auth/[...nextauth] runs, minus the Next request scope); its
// package exports map hides it from ESM resolution, so it is required by path.
type AuthHandlerType = (params: { req: Record<string, unknown>; options: NextAuthOptions }) => Promise<{
  status?: number;
  body?: unknown;
  cookies?: Array<{ name: string; value: string; options?: { maxAge?: number } }>;
}>;
const { AuthHandler } = createRequire(import.meta.url)(path.join(process.cwd(), "node_modules/next-auth/core/index.js")) as {
  AuthHandler: AuthHandlerType;
};
const { authOptions } = await import("./options");
const { changePassword, signUp } = await import("./users");

let t: TestDb;
const savedEnv = { ...process.env };
beforeAll(async () => {
  Object.assign(process.env, { APP_URL: "http://localhost:3000", NEXTAUTH_SECRET: randomBytes(32).toString("base64url") });
  t = await testDb();
  state.db = t.db;
});
afterAll(async () => {
  Object.assign(process.env, savedEnv);
  await t?.close();
});

type Jar = Record<string, string>;

async function call(jar: Jar, method: "GET" | "POST", action: string, body?: Record<string, string>, providerId?: string) {
  const res = await AuthHandler({
    req: { method, action, providerId, body, query: {}, cookies: { ...jar }, headers: { host: "localhost:3000" } },
    options: authOptions(),
  });
  for (const c of res.cookies ?? []) {
    if (c.value === "" || c.options?.maxAge === 0) delete jar[c.name];
    else jar[c.name] = c.value;
  }
  return res;
}

async function signIn(email: string, password: string): Promise<Jar> {
  const jar: Jar = {};
  const csrf = (await call(jar, "GET", "csrf")).body as { csrfToken: string };
  await call(jar, "POST", "callback", { csrfToken: csrf.csrfToken, email, password, json: "true" }, "credentials");
  return jar;
}

async function sessionUser(jar: Jar) {
  const res = await call({ ...jar }, "GET", "session");
  return (res.body as { user?: { id?: string; email?: string } }).user;
}

describe("session revocation", () => {
  const password = "correct-horse-42";

  it("sign-out revokes the session cookie, also a copy of it", async () => {
    const { email } = await signUp(t.db, { email: `out-${Date.now()}@example.test`, password });
    const jar = await signIn(email, password);
    expect(Object.keys(jar).some((k) => k.endsWith("session-token"))).toBe(true);
    expect((await sessionUser(jar))?.email).toBe(email);
    const stolen = { ...jar };

    const csrf = (await call(jar, "GET", "csrf")).body as { csrfToken: string };
    await call(jar, "POST", "signout", { csrfToken: csrf.csrfToken });
    // Before: the copied cookie still signed in for 30 days.
    expect(await sessionUser(stolen)).toBeUndefined();

    // Signing in again gives a working session.
    expect((await sessionUser(await signIn(email, password)))?.email).toBe(email);
  });

  it("a password change revokes every existing session; the new password signs in", async () => {
    const { email, id } = await signUp(t.db, { email: `pw-${Date.now()}@example.test`, password });
    const laptop = await signIn(email, password);
    const phone = await signIn(email, password);
    expect((await sessionUser(phone))?.id).toBe(id);

    await expect(changePassword(t.db, { id: id!, email }, { current: "wrong-horse-42", next: "new-horse-4242" })).rejects.toThrow(
      "The current password is not right.",
    );
    await expect(changePassword(t.db, { id: id!, email }, { current: password, next: "short1" })).rejects.toThrow(/at least 10/);
    expect((await sessionUser(phone))?.id).toBe(id);

    await changePassword(t.db, { id: id!, email }, { current: password, next: "new-horse-4242" });
    expect(await sessionUser(laptop)).toBeUndefined();
    expect(await sessionUser(phone)).toBeUndefined();
    expect(await sessionUser(await signIn(email, password))).toBeUndefined();
    expect((await sessionUser(await signIn(email, "new-horse-4242")))?.email).toBe(email);
  });
});
