import { randomBytes } from "node:crypto";
import type { ProviderId } from "@/lib/providers/types";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { demoEnv } from "@sim/clients";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { authorize } from "@sim/testing";
import { openToken } from "@/lib/crypto/keyring";
import { activities, measurements, providerConnections, users, type ProviderConnection } from "@/lib/db/schema";
import { InvalidGrantError, TransientProviderError } from "@/lib/providers/shared/errors";
import { openPostgres } from "@/lib/db";
import { engines, type TestDb } from "@/test/db";
import { completeConnect, startConnect } from "./connect";
import { disconnect } from "./disconnect";
import { saveConnection } from "./store";
import {
  AccountLinkedElsewhereError,
  ConnectionUnavailableError,
  OAuthStateError,
  ProviderDeniedError,
} from "./errors";
import { createOAuthState, OAUTH_STATE_TTL_MS } from "./oauth-state";
import { getValidAccessToken } from "./tokens";

/**
 * The connect → token → disconnect lifecycle against the provider simulator over loopback HTTP,
 * on PGlite and (with DATABASE_URL) real PostgreSQL. The browser's part of the consent is played by
 * fetch: GET the authorize page, POST its Approve form, follow the redirect back to our callback.
 */

let sim: RunningSimulator;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  // Before anything reads env() (validated once per process).
  Object.assign(process.env, demoEnv(sim.url), {
    APP_URL: "http://localhost:3000",
    TOKEN_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString("base64")}`,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
  });
});
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await sim?.close();
});

const OAUTH2 = ["strava", "oura", "whoop", "google_health", "polar", "coros", "withings"] as const;
const fast = { baseDelayMs: 1, maxDelayMs: 5 };

const stat = (provider: ProviderId, key: string) => sim.state.stats()[provider]?.[key] ?? 0;
const simConnection = (provider: ProviderId, account: string) => {
  const all = sim.state.connections({ provider, account });
  return all[all.length - 1];
};
/** db.execute rows: postgres.js returns an array, PGlite `{rows}`. */
const rowsOfResult = (r: unknown) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as Array<Record<string, string>>;
const caught = <T>(p: Promise<T>) => p.then(() => undefined, (e: unknown) => e);

describe.each(engines)("connections against the simulator ($name)", ({ name, open }) => {
  let t: TestDb;
  const newUser = async () =>
    (await t.db.insert(users).values({ email: `u-${randomBytes(4).toString("hex")}@example.test` }).returning())[0].id;
  const rowOf = async (id: string) =>
    (await t.db.select().from(providerConnections).where(eq(providerConnections.id, id)))[0] as ProviderConnection | undefined;
  const rowsOf = async (userId: string) => t.db.select().from(providerConnections).where(eq(providerConnections.userId, userId));

  /** Starts the flow, approves at the simulator as `account`, and returns the callback's query. */
  async function consent(userId: string, provider: ProviderId, account: string, decision: "approve" | "deny" = "approve") {
    const { url } = await startConnect(t.db, { userId, provider });
    const outcome = await authorize(sim.url, url, { account, decision });
    expect(outcome.pageStatus, outcome.html).toBe(200);
    expect(outcome.location, outcome.html).not.toBeNull();
    return Object.fromEntries(outcome.location!.searchParams);
  }
  async function connect(userId: string, provider: ProviderId, account: string) {
    return completeConnect(t.db, { userId, query: await consent(userId, provider, account) });
  }
  /** Makes both sides agree the access token is stale: ours expires now, the simulator's is dead. */
  async function expireEverywhere(row: ProviderConnection) {
    sim.state.expireTokens({ accessToken: openToken(row.accessTokenEnc!) });
    await t.db.update(providerConnections).set({ expiresAt: new Date(Date.now() + 60_000) }).where(eq(providerConnections.id, row.id));
  }

  beforeAll(async () => {
    t = await open();
  });
  afterAll(() => t?.close());
  beforeEach(() => {
    sim.state.clearFaults();
  });

  it.each(OAUTH2)("%s: connect stores sealed tokens, the provider user id, scopes and expiry", async (provider) => {
    const userId = await newUser();
    const account = `acct-${provider}-${randomBytes(3).toString("hex")}`;
    const { connection } = await connect(userId, provider, account);
    const remote = simConnection(provider, account);
    expect(remote.status).toBe("active");

    expect(connection).toMatchObject({ userId, provider, authKind: "oauth2", status: "active", providerUserId: remote.providerUserId });
    expect(openToken(connection.accessTokenEnc!)).toBe(remote.accessToken);
    if (remote.refreshToken) expect(openToken(connection.refreshTokenEnc!)).toBe(remote.refreshToken);
    else expect(connection.refreshTokenEnc).toBeNull();
    if (provider !== "coros") expect(connection.scopes.length).toBeGreaterThan(0);
    expect(connection.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    if (["strava", "whoop", "polar", "oura"].includes(provider)) expect(connection.displayName).toBeTruthy();
    if (provider === "polar") {
      expect(remote.extra).toMatchObject({ registered: true, memberId: userId });
      expect(connection.meta).toMatchObject({ memberId: userId });
    }

    // At rest: no token in the raw row (sealed with AES-GCM).
    const raw = JSON.stringify((await t.db.execute(sql`select * from provider_connection where id = ${connection.id}`)) as unknown);
    expect(raw).not.toContain(remote.accessToken!);
    if (remote.refreshToken) expect(raw).not.toContain(remote.refreshToken);
  });

  it.each(["strava", "oura", "whoop", "google_health", "coros", "withings"] as const)(
    "%s: an expiring token is refreshed and the rotated tokens are stored",
    async (provider) => {
      const userId = await newUser();
      const account = `refresh-${provider}-${randomBytes(3).toString("hex")}`;
      const { connection } = await connect(userId, provider, account);
      const oldRefresh = connection.refreshTokenEnc ? openToken(connection.refreshTokenEnc) : null;
      await expireEverywhere(connection);

      const before = stat(provider, "token:refresh_token");
      const token = await getValidAccessToken(t.db, connection.id, fast);
      expect(stat(provider, "token:refresh_token")).toBe(before + 1);
      const remote = simConnection(provider, account);
      expect(token).toBe(remote.accessToken);
      expect(sim.state.checkAccessToken(provider, token).ok).toBe(true);

      const row = (await rowOf(connection.id))!;
      expect(openToken(row.accessTokenEnc!)).toBe(token);
      expect(row.lastRefreshedAt).not.toBeNull();
      expect(row.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 3600_000 - 60_000);
      if (provider === "coros" || provider === "google_health") {
        expect(openToken(row.refreshTokenEnc!)).toBe(oldRefresh); // COROS and Google keep the refresh token
      } else {
        expect(openToken(row.refreshTokenEnc!)).toBe(remote.refreshToken); // rotated and stored
        expect(openToken(row.refreshTokenEnc!)).not.toBe(oldRefresh);
      }
      // Valid now: no further refresh.
      await getValidAccessToken(t.db, connection.id, fast);
      expect(stat(provider, "token:refresh_token")).toBe(before + 1);
    },
  );

  it("20 concurrent callers on a rotating, reuse-detecting provider cause exactly one refresh", async () => {
    const userId = await newUser();
    const account = `race-${randomBytes(3).toString("hex")}`;
    const { connection } = await connect(userId, "whoop", account);
    await expireEverywhere(connection);
    const before = stat("whoop", "token:refresh_token");

    const tokens = await Promise.all(Array.from({ length: 20 }, () => getValidAccessToken(t.db, connection.id, fast)));
    expect(stat("whoop", "token:refresh_token")).toBe(before + 1);
    expect(new Set(tokens).size).toBe(1);
    const remote = simConnection("whoop", account);
    expect(remote.status).toBe("active"); // a second refresh with the spent token would have revoked the grant
    expect(tokens[0]).toBe(remote.accessToken);
    const row = (await rowOf(connection.id))!;
    expect(row.status).toBe("active");
    expect(openToken(row.refreshTokenEnc!)).toBe(remote.refreshToken);
  });

  // PGlite is one embedded session; racing separate pools needs a server.
  it.runIf(name === "postgres")("two separate connection pools (as two processes) racing on one connection: still exactly one refresh", async () => {
    const [{ db_name }] = rowsOfResult(await t.db.execute(sql`select current_database() as db_name`));
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${db_name}`;
    const second = await openPostgres(url.toString(), { max: 10 });
    try {
      const userId = await newUser();
      const account = `procs-${randomBytes(3).toString("hex")}`;
      const { connection } = await connect(userId, "google_health", account);
      await expireEverywhere(connection);
      const before = stat("google_health", "token:refresh_token");
      const tokens = await Promise.all(
        Array.from({ length: 20 }, (_, i) => getValidAccessToken(i % 2 ? t.db : second.db, connection.id, fast)),
      );
      expect(stat("google_health", "token:refresh_token")).toBe(before + 1);
      expect(new Set(tokens).size).toBe(1);
      expect(simConnection("google_health", account).accessToken).toBe(tokens[0]);
    } finally {
      await second.close();
    }
  });

  it("force + staleAccessToken (after a 401): one refresh for many callers; no refresh at all → needs_reauth", async () => {
    const userId = await newUser();
    const account = `forced-${randomBytes(3).toString("hex")}`;
    const { connection } = await connect(userId, "whoop", account);
    const stale = openToken(connection.accessTokenEnc!);
    const before = stat("whoop", "token:refresh_token");
    const tokens = await Promise.all(
      Array.from({ length: 5 }, () => getValidAccessToken(t.db, connection.id, { ...fast, force: true, staleAccessToken: stale })),
    );
    expect(stat("whoop", "token:refresh_token")).toBe(before + 1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(stale);
    expect(simConnection("whoop", account).status).toBe("active");

    // Polar has no refresh: a rejected token means reconnect.
    const polarUser = await newUser();
    const polarConn = (await connect(polarUser, "polar", `forced-p-${randomBytes(3).toString("hex")}`)).connection;
    const err = await caught(
      getValidAccessToken(t.db, polarConn.id, { ...fast, force: true, staleAccessToken: openToken(polarConn.accessTokenEnc!) }),
    );
    expect(err).toBeInstanceOf(InvalidGrantError);
    expect((await rowOf(polarConn.id))!.status).toBe("needs_reauth");
  });

  it("a revoked grant → InvalidGrantError, status needs_reauth with the reason, no token afterwards", async () => {
    const userId = await newUser();
    const account = `revoked-${randomBytes(3).toString("hex")}`;
    const { connection } = await connect(userId, "google_health", account);
    await expireEverywhere(connection);
    sim.state.revokeTokens({ provider: "google_health", account });
    const refreshToken = openToken(connection.refreshTokenEnc!);

    const err = await caught(getValidAccessToken(t.db, connection.id, fast));
    expect(err).toBeInstanceOf(InvalidGrantError);
    expect((err as Error).message).not.toContain(refreshToken);
    const row = (await rowOf(connection.id))!;
    expect(row.status).toBe("needs_reauth");
    expect(row.lastError).toMatch(/invalid_grant/);
    expect(row.lastError).not.toContain(refreshToken);
    expect(await caught(getValidAccessToken(t.db, connection.id, fast))).toBeInstanceOf(ConnectionUnavailableError);
  });

  it("5xx on refresh is retried with backoff; the status stays active", async () => {
    const userId = await newUser();
    const account = `flaky-${randomBytes(3).toString("hex")}`;
    const { connection } = await connect(userId, "oura", account);
    await expireEverywhere(connection);
    const faultsBefore = stat("oura", "fault:500");
    const refreshBefore = stat("oura", "token:refresh_token");

    sim.state.addFault({ provider: "oura", pathPrefix: "/oauth/token", kind: "500", count: 2 });
    const token = await getValidAccessToken(t.db, connection.id, fast);
    expect(stat("oura", "fault:500")).toBe(faultsBefore + 2);
    expect(stat("oura", "token:refresh_token")).toBe(refreshBefore + 1);
    expect(token).toBe(simConnection("oura", account).accessToken);
    expect((await rowOf(connection.id))!.status).toBe("active");

    // Still failing after every attempt: a TransientProviderError, status unchanged, reason kept.
    await expireEverywhere((await rowOf(connection.id))!);
    sim.state.addFault({ provider: "oura", pathPrefix: "/oauth/token", kind: "500", count: 3 });
    const err = await caught(getValidAccessToken(t.db, connection.id, { ...fast, attempts: 3 }));
    expect(err).toBeInstanceOf(TransientProviderError);
    const row = (await rowOf(connection.id))!;
    expect(row.status).toBe("active");
    expect(row.lastError).toMatch(/HTTP 500/);
    // 429 with Retry-After is retried too.
    sim.state.addFault({ provider: "oura", pathPrefix: "/oauth/token", kind: "429", count: 1, retryAfterSeconds: 0 });
    expect(await getValidAccessToken(t.db, connection.id, fast)).toBe(simConnection("oura", account).accessToken);
    expect((await rowOf(connection.id))!.lastError).toBeNull();
  });

  it("a truncated token response is transient: retried (COROS keeps its refresh token, so the retry succeeds)", async () => {
    const userId = await newUser();
    const { connection } = await connect(userId, "coros", `trunc-${randomBytes(3).toString("hex")}`);
    await expireEverywhere(connection);
    sim.state.addFault({ provider: "coros", pathPrefix: "/oauth2/refresh-token", kind: "truncated", count: 1 });
    const before = { faults: stat("coros", "fault:truncated"), refreshes: stat("coros", "token:refresh_token") };
    await getValidAccessToken(t.db, connection.id, fast);
    expect(stat("coros", "fault:truncated")).toBe(before.faults + 1);
    expect(stat("coros", "token:refresh_token")).toBe(before.refreshes + 2);
    const row = (await rowOf(connection.id))!;
    expect(row.status).toBe("active");
    expect(row.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 28 * 86400_000);
  });

  it("a rotated token lost in a truncated response can't be recovered: the retry is refused → needs_reauth", async () => {
    // The provider rotated (single use) but the answer never arrived; nothing but a reconnect helps.
    const userId = await newUser();
    const { connection } = await connect(userId, "withings", `lost-${randomBytes(3).toString("hex")}`);
    await expireEverywhere(connection);
    sim.state.addFault({ provider: "withings", pathPrefix: "/v2/oauth2", kind: "truncated", count: 1 });
    expect(await caught(getValidAccessToken(t.db, connection.id, fast))).toBeInstanceOf(InvalidGrantError);
    expect((await rowOf(connection.id))!.status).toBe("needs_reauth");
  });

  describe("callback state", () => {
    it("forged state → OAuthStateError(unknown), no token request, nothing stored", async () => {
      const userId = await newUser();
      const query = await consent(userId, "strava", `forged-${randomBytes(3).toString("hex")}`);
      const exchanges = stat("strava", "token:authorization_code");
      const err = await caught(completeConnect(t.db, { userId, query: { ...query, state: randomBytes(32).toString("base64url") } }));
      expect(err).toBeInstanceOf(OAuthStateError);
      expect((err as OAuthStateError).problem).toBe("unknown");
      expect(await caught(completeConnect(t.db, { userId, query: { code: query.code } }))).toBeInstanceOf(OAuthStateError);
      expect(stat("strava", "token:authorization_code")).toBe(exchanges);
      expect(await rowsOf(userId)).toHaveLength(0);
    });

    it("replayed callback → used; the first one stays the only connection", async () => {
      const userId = await newUser();
      const query = await consent(userId, "oura", `replay-${randomBytes(3).toString("hex")}`);
      await completeConnect(t.db, { userId, query });
      const exchanges = stat("oura", "token:authorization_code");
      const err = await caught(completeConnect(t.db, { userId, query }));
      expect((err as OAuthStateError).problem).toBe("used");
      expect(stat("oura", "token:authorization_code")).toBe(exchanges);
      expect(await rowsOf(userId)).toHaveLength(1);
    });

    it("expired state → expired, nothing stored", async () => {
      const userId = await newUser();
      const { state } = await createOAuthState(t.db, { userId, provider: "whoop", pkce: false }, new Date(Date.now() - OAUTH_STATE_TTL_MS - 1));
      const err = await caught(completeConnect(t.db, { userId, query: { state, code: "whatever-code" } }));
      expect((err as OAuthStateError).problem).toBe("expired");
      expect(await rowsOf(userId)).toHaveLength(0);
    });

    it("another user's callback → wrong_user, nothing stored for either; the owner can still finish", async () => {
      const alice = await newUser();
      const mallory = await newUser();
      const query = await consent(alice, "google_health", `victim-${randomBytes(3).toString("hex")}`);
      const err = await caught(completeConnect(t.db, { userId: mallory, query }));
      expect((err as OAuthStateError).problem).toBe("wrong_user");
      expect(await rowsOf(mallory)).toHaveLength(0);
      expect(await rowsOf(alice)).toHaveLength(0);
      await completeConnect(t.db, { userId: alice, query }); // PKCE verifier still matches
      expect(await rowsOf(alice)).toHaveLength(1);
    });

    it("the user denies at the provider → ProviderDeniedError with the provider's reason, nothing stored", async () => {
      const userId = await newUser();
      const query = await consent(userId, "whoop", "denier", "deny");
      expect(query.error).toBe("access_denied");
      const err = await caught(completeConnect(t.db, { userId, query }));
      expect(err).toBeInstanceOf(ProviderDeniedError);
      expect((err as ProviderDeniedError).provider).toBe("whoop");
      expect((err as ProviderDeniedError).reason).toMatch(/access_denied/);
      expect(await rowsOf(userId)).toHaveLength(0);
    });
  });

  it("a provider account already linked to another user is refused and never moved", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const account = `shared-${randomBytes(3).toString("hex")}`;
    const { connection } = await connect(alice, "strava", account);
    const err = await caught(connect(bob, "strava", account));
    expect(err).toBeInstanceOf(AccountLinkedElsewhereError);
    expect((err as Error).message).toMatch(/already connected to another Healthbridge user/);
    expect(await rowsOf(bob)).toHaveLength(0);
    const still = (await rowOf(connection.id))!;
    expect(still.userId).toBe(alice);
    expect(still.status).toBe("active");

    // Reconnecting the same account as the same user updates the one row.
    const again = await connect(alice, "strava", account);
    expect(again.connection.id).toBe(connection.id);
    expect(await rowsOf(alice)).toHaveLength(1);
  });

  it.each(OAUTH2)("%s: disconnect revokes at the provider and deletes the tokens", async (provider) => {
    const userId = await newUser();
    const account = `bye-${provider}-${randomBytes(3).toString("hex")}`;
    await connect(userId, provider, account);
    const result = await disconnect(t.db, userId, provider);
    expect(result).toMatchObject({ disconnected: true, revoked: true, dataDeleted: false });
    expect(simConnection(provider, account).status).toBe("revoked");
    expect(await rowsOf(userId)).toHaveLength(0);
  });

  it("disconnect with deleteData removes only that provider's rows of that user; revoke failure doesn't block", async () => {
    const userId = await newUser();
    const other = await newUser();
    await connect(userId, "strava", `data-${randomBytes(3).toString("hex")}`);
    const activity = (uid: string, provider: ProviderId, externalId: string) => ({
      userId: uid,
      provider,
      externalId,
      type: "run",
      startAt: new Date("2026-01-01T08:00:00Z"),
      localDate: "2026-01-01",
    });
    await t.db
      .insert(activities)
      .values([activity(userId, "strava", "1"), activity(userId, "garmin", "2"), activity(other, "strava", "3")]);
    await t.db.insert(measurements).values({ userId, provider: "strava", type: "weight", measuredAt: new Date(), value: 70, unit: "kg" });

    sim.state.addFault({ provider: "strava", pathPrefix: "/oauth/deauthorize", kind: "500", count: 1 });
    const result = await disconnect(t.db, userId, "strava", { deleteData: true });
    expect(result.disconnected).toBe(true);
    expect(result.revoked).toBe(false);
    expect(result.revokeError).toMatch(/HTTP 500/);
    expect(await rowsOf(userId)).toHaveLength(0);
    const left = await t.db.select().from(activities);
    expect(left.filter((a) => a.userId === userId).map((a) => a.provider)).toEqual(["garmin"]);
    expect(left.filter((a) => a.userId === other)).toHaveLength(1);
    expect((await t.db.select().from(measurements)).filter((m) => m.userId === userId)).toHaveLength(0);
  });

  // The e2e disconnect failed now and then while the first sync was still writing: the run's
  // transaction held a freshly upserted row and then touched its sync_run row, which the
  // disconnect's cascade had already locked. PostgreSQL aborts one side; it must not be the click.
  it.runIf(name === "postgres")("disconnect with deleteData survives a deadlock with a sync run writing the same rows", async () => {
    const [{ db_name }] = rowsOfResult(await t.db.execute(sql`select current_database() as db_name`));
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${db_name}`;
    const runner = await openPostgres(url.toString(), { max: 2 });
    try {
      const userId = await newUser();
      const { connection } = await connect(userId, "strava", `deadlock-${randomBytes(3).toString("hex")}`);
      const [run] = rowsOfResult(
        await t.db.execute(sql`INSERT INTO sync_run (user_id, connection_id, trigger, status) VALUES (${userId}, ${connection.id}, 'manual', 'running') RETURNING id`),
      );
      const values = { userId, provider: "strava" as const, externalId: "deadlock", type: "run", startAt: new Date("2026-01-01T08:00:00Z"), localDate: "2026-01-01" };
      await t.db.insert(activities).values(values);

      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let runOutcome: unknown = "pending";
      let rowLocked!: () => void;
      const locked = new Promise<void>((resolve) => (rowLocked = resolve));
      // The "sync run": locks the activity row, waits until the disconnect is blocked on it, then
      // updates its own sync_run row (locked by the disconnect's cascade) — a cycle.
      const runTx = runner.db
        .transaction(async (tx) => {
          await tx.execute(sql`UPDATE activity SET type = 'ride' WHERE user_id = ${userId} AND external_id = 'deadlock'`);
          rowLocked();
          await released;
          await tx.execute(sql`UPDATE sync_run SET fetched = fetched + 1 WHERE id = ${run.id}`);
        })
        .then(() => (runOutcome = "committed"), (e: unknown) => (runOutcome = e));
      const blockedOnLock = async () =>
        rowsOfResult(
          await runner.db.execute(
            sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'delete from "activity"%'`,
          ),
        )[0].n;

      // Only once the run holds the row: started before it (a loaded machine), the disconnect would
      // delete the row unblocked and the run would wait for a release that never comes.
      await Promise.race([locked, runTx]);
      const disconnecting = disconnect(t.db, userId, "strava", { deleteData: true });
      await expect.poll(blockedOnLock, { timeout: 30_000 }).toBeGreaterThan(0);
      release();
      const result = await disconnecting;
      await runTx;

      expect(result).toMatchObject({ disconnected: true, dataDeleted: true });
      expect(await rowOf(connection.id)).toBeUndefined();
      expect((await t.db.select().from(activities)).filter((a) => a.userId === userId)).toHaveLength(0);
      expect(runOutcome).not.toBe("pending");
    } finally {
      await runner.close();
    }
  });

  it("a legacy Fitbit connection disconnects with its data kept or deleted, says why nothing is revoked, and never calls the dead API", async () => {
    const legacy = async (deleteData: boolean) => {
      const userId = await newUser();
      // As the old app left it: sealed Fitbit tokens that no longer work anywhere.
      await saveConnection(t.db, {
        userId,
        provider: "fitbit",
        authKind: "oauth2",
        tokens: { accessToken: "old-fitbit-access", refreshToken: "old-fitbit-refresh", providerUserId: `FB${randomBytes(3).toString("hex")}` },
      });
      await t.db.insert(activities).values({ userId, provider: "fitbit", externalId: "logId-1", type: "walk", startAt: new Date("2025-06-01T08:00:00Z"), localDate: "2025-06-01" });
      const result = await disconnect(t.db, userId, "fitbit", { deleteData });
      const left = (await t.db.select().from(activities).where(eq(activities.userId, userId))).map((a) => a.provider);
      return { result, left, rows: await rowsOf(userId) };
    };
    const kept = await legacy(false);
    expect(kept.result).toEqual({
      disconnected: true,
      revoked: false,
      revokeError: undefined,
      revokeSkipped: "Fitbit's old Web API was switched off on 2026-11-02. There is nothing left to revoke there; the stored tokens are deleted.",
      dataDeleted: false,
    });
    expect(kept.rows).toHaveLength(0);
    expect(kept.left).toEqual(["fitbit"]);
    const deleted = await legacy(true);
    expect(deleted.result).toMatchObject({ disconnected: true, revoked: false, dataDeleted: true });
    expect(deleted.left).toEqual([]);
    expect(sim.state.stats().fitbit ?? {}).toEqual({});
  });
});
