import { and, eq } from "drizzle-orm";
import type { ProviderId } from "@/lib/providers/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_EIGHTSLEEP_PASSWORD, DEMO_HEVY_API_KEYS } from "@sim/clients";
import { eightSleepUserId } from "@sim/providers/eightsleep/oauth";
import { simData } from "@sim/data/generator";
import type { RunningSimulator } from "@sim/server";
import { openToken } from "@/lib/crypto/keyring";
import { providerConnections } from "@/lib/db/schema";
import { CredentialsRejectedError, InvalidGrantError, ProviderNotConfiguredError, ProviderRequestError } from "@/lib/providers/shared/errors";
import { hevyGet } from "@/lib/providers/hevy/auth";
import { testDb, type TestDb } from "@/test/db";
import { connectWithApiKey, connectWithPassword, CredentialsInputError, keyOnlyContext } from "./credentials";
import { AccountLinkedElsewhereError, ConnectionUnavailableError } from "./errors";
import { createUser, databaseText, simulatorWithAppEnv } from "./test-support";
import { getValidTokens } from "./tokens";

let sim: RunningSimulator;
let t: TestDb;

beforeAll(async () => {
  sim = await simulatorWithAppEnv();
  t = await testDb();
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

const rowsOf = (userId: string, provider: ProviderId) =>
  t.db.select().from(providerConnections).where(and(eq(providerConnections.userId, userId), eq(providerConnections.provider, provider)));
const stat = (provider: ProviderId, key: string) => sim.state.stats()[provider]?.[key] ?? 0;
const hevyWorkoutCount = (account: string) => simData(sim.state).list("hevy", account, "workouts").length;
const [KEY_1] = Object.keys(DEMO_HEVY_API_KEYS);

describe("Hevy (API key)", () => {
  it("refuses a wrong key after asking Hevy, with a clear message, and stores nothing", async () => {
    const userId = await createUser(t.db, "hevy-bad");
    const before = stat("hevy", "workouts/count");
    const wrongKey = "00000000-1111-4222-8333-444444444444";
    const err = await connectWithApiKey(t.db, userId, "hevy", wrongKey).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsRejectedError);
    expect((err as Error).message).toMatch(/^Hevy rejected this API key/);
    expect((err as Error).message).not.toContain(wrongKey);
    expect(stat("hevy", "workouts/count")).toBe(before + 1);
    expect(await rowsOf(userId, "hevy")).toHaveLength(0);
  });

  it("rejects malformed input before any call", async () => {
    const userId = await createUser(t.db, "hevy-input");
    const before = stat("hevy", "workouts/count");
    await expect(connectWithApiKey(t.db, userId, "hevy", "")).rejects.toBeInstanceOf(CredentialsInputError);
    await expect(connectWithApiKey(t.db, userId, "hevy", "abc def ghi jkl")).rejects.toThrow(/no spaces/);
    await expect(connectWithApiKey(t.db, userId, "eightsleep", KEY_1)).rejects.toThrow(/not connected with an API key/);
    expect(stat("hevy", "workouts/count")).toBe(before);
  });

  it("verifies a good key with one call and stores it sealed", async () => {
    const userId = await createUser(t.db, "hevy-good");
    const connection = await connectWithApiKey(t.db, userId, "hevy", `  ${KEY_1} `);
    expect(connection).toMatchObject({ authKind: "api_key", status: "active", expiresAt: null, refreshTokenEnc: null });
    expect(connection.meta).toEqual({ workoutCount: hevyWorkoutCount(DEMO_HEVY_API_KEYS[KEY_1]) });
    expect(openToken(connection.accessTokenEnc!)).toBe(KEY_1);
    expect(await databaseText(t.db)).not.toContain(KEY_1);

    // The stored key reads data.
    const { json } = await hevyGet(keyOnlyContext("hevy", userId), openToken(connection.accessTokenEnc!), "https://api.hevyapp.com/v1/workouts?page=1&pageSize=2", "workouts");
    expect(json).toMatchObject({ page: 1, page_count: Math.ceil(hevyWorkoutCount("lifter-1") / 2) });
    expect((json as { workouts: unknown[] }).workouts).toHaveLength(2);
  });
});

describe("one Hevy key per user", () => {
  const [, KEY_2] = Object.keys(DEMO_HEVY_API_KEYS);

  it("refuses a key another user already linked, also when two users race; the owner may relink it", async () => {
    const owner = await createUser(t.db, "hevy-owner");
    const thief = await createUser(t.db, "hevy-thief");
    await connectWithApiKey(t.db, owner, "hevy", KEY_2);
    await expect(connectWithApiKey(t.db, thief, "hevy", KEY_2)).rejects.toBeInstanceOf(AccountLinkedElsewhereError);
    await expect(connectWithApiKey(t.db, thief, "hevy", ` ${KEY_2}`)).rejects.toBeInstanceOf(AccountLinkedElsewhereError);
    expect(await rowsOf(thief, "hevy")).toHaveLength(0);
    expect((await connectWithApiKey(t.db, owner, "hevy", KEY_2)).userId).toBe(owner);

    // Disconnect frees the key; then two users linking it at once: exactly one wins.
    await t.db.delete(providerConnections).where(eq(providerConnections.userId, owner));
    const a = await createUser(t.db, "hevy-race-a");
    const b = await createUser(t.db, "hevy-race-b");
    const results = await Promise.allSettled([connectWithApiKey(t.db, a, "hevy", KEY_2), connectWithApiKey(t.db, b, "hevy", KEY_2)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(AccountLinkedElsewhereError);
    expect(await databaseText(t.db)).not.toContain(KEY_2);
  });
});

describe("Eight Sleep (account sign-in)", () => {
  const email = "sleeper@example.test";

  it("refuses a wrong password and stores nothing, the password included", async () => {
    const userId = await createUser(t.db, "es-bad");
    const wrong = "Wrong-Password-7f3a9c";
    const err = await connectWithPassword(t.db, userId, "eightsleep", { email, password: wrong }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsRejectedError);
    expect((err as Error).message).toBe("Eight Sleep did not accept this e-mail and password.");
    expect(stat("eightsleep", "login:rejected")).toBeGreaterThanOrEqual(1);
    expect(await rowsOf(userId, "eightsleep")).toHaveLength(0);
    expect(await databaseText(t.db)).not.toContain(wrong);
  });

  it("validates the input", async () => {
    const userId = await createUser(t.db, "es-input");
    await expect(connectWithPassword(t.db, userId, "eightsleep", { email: "not-an-email", password: "x" })).rejects.toThrow(/e-mail/);
    await expect(connectWithPassword(t.db, userId, "eightsleep", { email, password: "" })).rejects.toBeInstanceOf(CredentialsInputError);
  });

  it("signs in, stores sealed tokens and the account, never the password; refreshes, then asks again when it can't", async () => {
    const userId = await createUser(t.db, "es-good");
    const connection = await connectWithPassword(t.db, userId, "eightsleep", { email, password: DEMO_EIGHTSLEEP_PASSWORD });
    expect(connection).toMatchObject({ authKind: "password", status: "active", providerUserId: eightSleepUserId(email), displayName: "Sleeper" });
    expect((connection.meta as { deviceId?: string }).deviceId).toMatch(/^[0-9a-f]{24}$/);
    const [simConn] = sim.state.connections({ provider: "eightsleep", account: email });
    expect(openToken(connection.accessTokenEnc!)).toBe(simConn.accessToken);
    const dump = await databaseText(t.db);
    expect(dump).not.toContain(DEMO_EIGHTSLEEP_PASSWORD);
    expect(dump).not.toContain(simConn.accessToken!);
    expect(dump).not.toContain(simConn.refreshToken!);

    // Near expiry the refresh grant renews the session (rotating the refresh token).
    const inTwoHours = () => new Date(Date.now() + 2 * 3600_000);
    const refreshed = await getValidTokens(t.db, connection.id, { now: inTwoHours });
    expect(refreshed.accessToken).not.toBe(simConn.accessToken);
    expect(stat("eightsleep", "token:refresh_token")).toBe(1);

    // Once Eight Sleep stops honouring the session, only the password helps: needs_reauth.
    sim.state.revokeTokens({ provider: "eightsleep", account: email });
    const inFourHours = () => new Date(Date.now() + 4 * 3600_000);
    await expect(getValidTokens(t.db, connection.id, { now: inFourHours })).rejects.toBeInstanceOf(InvalidGrantError);
    const [row] = await rowsOf(userId, "eightsleep");
    expect(row.status).toBe("needs_reauth");
    await expect(getValidTokens(t.db, connection.id)).rejects.toBeInstanceOf(ConnectionUnavailableError);

    // Signing in again restores the same row.
    const again = await connectWithPassword(t.db, userId, "eightsleep", { email, password: DEMO_EIGHTSLEEP_PASSWORD });
    expect(again).toMatchObject({ id: connection.id, status: "active" });
  });

  it("says which setting is wrong when the app credentials are missing or refused", async () => {
    const userId = await createUser(t.db, "es-config");
    const secret = process.env.EIGHTSLEEP_CLIENT_SECRET!;
    try {
      delete process.env.EIGHTSLEEP_CLIENT_SECRET;
      await expect(connectWithPassword(t.db, userId, "eightsleep", { email, password: DEMO_EIGHTSLEEP_PASSWORD })).rejects.toBeInstanceOf(
        ProviderNotConfiguredError,
      );
      process.env.EIGHTSLEEP_CLIENT_SECRET = "not-the-app-secret";
      const err = await connectWithPassword(t.db, userId, "eightsleep", { email, password: DEMO_EIGHTSLEEP_PASSWORD }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderRequestError);
      expect(err).not.toBeInstanceOf(CredentialsRejectedError);
      expect((err as Error).message).toMatch(/EIGHTSLEEP_CLIENT_ID/);
    } finally {
      process.env.EIGHTSLEEP_CLIENT_SECRET = secret;
    }
    expect(await rowsOf(userId, "eightsleep")).toHaveLength(0);
  });
});
