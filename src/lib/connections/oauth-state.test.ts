import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oauthStates, users } from "@/lib/db/schema";
import { pkceChallenge } from "@/lib/providers/shared/oauth2";
import { engines, type TestDb } from "@/test/db";
import { OAuthStateError } from "./errors";
import { consumeOAuthState, createOAuthState, OAUTH_STATE_TTL_MS } from "./oauth-state";

// Fixed test keys, set before anything reads env() (it is validated once per process).
const saved = { ...process.env };
process.env.TOKEN_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.NEXTAUTH_SECRET = randomBytes(32).toString("base64url");
afterAll(() => {
  process.env.TOKEN_ENCRYPTION_KEYS = saved.TOKEN_ENCRYPTION_KEYS;
  process.env.NEXTAUTH_SECRET = saved.NEXTAUTH_SECRET;
  if (saved.TOKEN_ENCRYPTION_KEYS === undefined) delete process.env.TOKEN_ENCRYPTION_KEYS;
  if (saved.NEXTAUTH_SECRET === undefined) delete process.env.NEXTAUTH_SECRET;
});

const problemOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof OAuthStateError ? e.problem : `unexpected: ${String(e)}`),
  );

describe.each(engines)("OAuth state ($name)", ({ open }) => {
  let t: TestDb;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await open();
    const rows = await t.db
      .insert(users)
      .values([{ email: `alice-${randomBytes(3).toString("hex")}@example.test` }, { email: `bob-${randomBytes(3).toString("hex")}@example.test` }])
      .returning();
    [alice, bob] = rows.map((r) => r.id);
  });
  afterAll(() => t?.close());

  it("is random, bound to user+provider, single use, and hands back the PKCE verifier of its challenge", async () => {
    const a = await createOAuthState(t.db, { userId: alice, provider: "google_health", pkce: true });
    const b = await createOAuthState(t.db, { userId: alice, provider: "google_health", pkce: true });
    expect(a.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.state).not.toBe(b.state);
    expect(a.codeChallenge).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const consumed = await consumeOAuthState(t.db, { state: a.state, userId: alice });
    expect(consumed.provider).toBe("google_health");
    expect(pkceChallenge(consumed.codeVerifier!)).toBe(a.codeChallenge);
    expect(await problemOf(consumeOAuthState(t.db, { state: a.state, userId: alice }))).toBe("used");
  });

  it("stores neither the state nor the verifier in clear", async () => {
    const s = await createOAuthState(t.db, { userId: alice, provider: "google_health", pkce: true });
    const raw = JSON.stringify((await t.db.execute(sql`select * from oauth_state`)) as unknown);
    expect(raw).not.toContain(s.state);
    const { codeVerifier } = await consumeOAuthState(t.db, { state: s.state, userId: alice });
    expect(raw).not.toContain(codeVerifier!);
  });

  it("no PKCE → no challenge, no verifier", async () => {
    const s = await createOAuthState(t.db, { userId: alice, provider: "strava", pkce: false });
    expect(s.codeChallenge).toBeUndefined();
    expect((await consumeOAuthState(t.db, { state: s.state, userId: alice })).codeVerifier).toBeUndefined();
  });

  it("unknown / forged / empty state → unknown", async () => {
    expect(await problemOf(consumeOAuthState(t.db, { state: randomBytes(32).toString("base64url"), userId: alice }))).toBe("unknown");
    expect(await problemOf(consumeOAuthState(t.db, { state: "", userId: alice }))).toBe("unknown");
    expect(await problemOf(consumeOAuthState(t.db, { state: "x".repeat(600), userId: alice }))).toBe("unknown");
  });

  it("expires after 10 minutes", async () => {
    const startedAt = new Date(Date.now() - OAUTH_STATE_TTL_MS - 1000);
    const s = await createOAuthState(t.db, { userId: alice, provider: "oura", pkce: false }, startedAt);
    expect(await problemOf(consumeOAuthState(t.db, { state: s.state, userId: alice }))).toBe("expired");
    const fresh = await createOAuthState(t.db, { userId: alice, provider: "oura", pkce: false }, new Date(Date.now() - OAUTH_STATE_TTL_MS + 5000));
    expect(await problemOf(consumeOAuthState(t.db, { state: fresh.state, userId: alice }))).toBe("ok");
  });

  it("another user's state → wrong_user, and it stays usable by its owner", async () => {
    const s = await createOAuthState(t.db, { userId: alice, provider: "whoop", pkce: false });
    expect(await problemOf(consumeOAuthState(t.db, { state: s.state, userId: bob }))).toBe("wrong_user");
    expect(await problemOf(consumeOAuthState(t.db, { state: s.state, userId: alice }))).toBe("ok");
  });

  it("concurrent replays: exactly one consumer wins", async () => {
    const s = await createOAuthState(t.db, { userId: alice, provider: "strava", pkce: false });
    const results = await Promise.all(Array.from({ length: 8 }, () => problemOf(consumeOAuthState(t.db, { state: s.state, userId: alice }))));
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    expect(results.filter((r) => r === "used")).toHaveLength(7);
  });

  it("sweeps long-expired rows when new states are created", async () => {
    await createOAuthState(t.db, { userId: bob, provider: "polar", pkce: false }, new Date(Date.now() - 3 * 86400_000));
    const countOld = async () =>
      (await t.db.select().from(oauthStates)).filter((r) => r.expiresAt.getTime() < Date.now() - 86400_000).length;
    expect(await countOld()).toBe(1);
    await createOAuthState(t.db, { userId: bob, provider: "polar", pkce: false });
    expect(await countOld()).toBe(0);
  });
});
