import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CLIENTS } from "@sim/clients";
import { parseOAuthHeader } from "@sim/oauth1-verify";
import { garminUserId } from "@sim/providers/garmin/oauth";
import type { RunningSimulator } from "@sim/server";
import { authorize, postForm, simUrl } from "@sim/testing";
import { openToken } from "@/lib/crypto/keyring";
import { providerConnections } from "@/lib/db/schema";
import { providers } from "@/lib/providers";
import { ProviderRequestError } from "@/lib/providers/shared/errors";
import { fetchGarminUserId } from "@/lib/providers/garmin/auth";
import { providerContext } from "@/lib/providers/shared/http";
import { oauth1Header } from "@/lib/providers/shared/oauth1";
import { testDb, type TestDb } from "@/test/db";
import { completeConnect, startConnect } from "./connect";
import { disconnect } from "./disconnect";
import { AccountLinkedElsewhereError, ProviderDeniedError } from "./errors";
import { completeOAuth1, migrateGarminToOAuth2, OAuth1FlowError, oauth1Context, startOAuth1, usesOAuth1 } from "./oauth1";
import { tokensFromRow } from "./store";
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

const garmin = providers.garmin;
const USER_ID_URL = "https://apis.garmin.com/wellness-api/rest/user/id";

function onlyOAuth1() {
  delete process.env.GARMIN_CLIENT_ID;
  delete process.env.GARMIN_CLIENT_SECRET;
}
function withOAuth2() {
  process.env.GARMIN_CLIENT_ID = DEMO_CLIENTS.garmin.clientId;
  process.env.GARMIN_CLIENT_SECRET = DEMO_CLIENTS.garmin.clientSecret;
}

const rowsOf = (userId: string) =>
  t.db.select().from(providerConnections).where(and(eq(providerConnections.userId, userId), eq(providerConnections.provider, "garmin")));

const stat = (key: string) => sim.state.stats().garmin?.[key] ?? 0;

/** start → the simulator's oauthConfirm page → Approve (or Deny) as `account`. */
async function approve(userId: string, account: string, decision: "approve" | "deny" = "approve") {
  const started = await startOAuth1(userId);
  const outcome = await authorize(sim.url, started.redirectUrl, { account, decision });
  expect(outcome.location, outcome.html).not.toBeNull();
  return { started, query: Object.fromEntries(outcome.location!.searchParams) };
}

async function connectOAuth1(account: string) {
  onlyOAuth1();
  const userId = await createUser(t.db, account);
  const { started, query } = await approve(userId, account);
  const { connection } = await completeOAuth1(t.db, userId, query, started.cookie.value);
  return { userId, connection };
}

describe("flow choice", () => {
  it("prefers OAuth 2.0 when both credential sets exist, OAuth 1.0a with only the consumer key", () => {
    withOAuth2();
    expect(usesOAuth1(garmin)).toBe(false);
    onlyOAuth1();
    expect(usesOAuth1(garmin)).toBe(true);
    expect(usesOAuth1(providers.strava)).toBe(false);
  });
});

describe("Garmin OAuth 1.0a", () => {
  it("runs the whole dance and stores the token and secret sealed", async () => {
    onlyOAuth1();
    const userId = await createUser(t.db, "dance");
    const { started, query } = await approve(userId, "g-dance");

    const redirect = new URL(started.redirectUrl);
    expect(`${redirect.origin}${redirect.pathname}`).toBe("https://connect.garmin.com/oauthConfirm");
    expect(redirect.searchParams.get("oauth_callback")).toBe("http://localhost:3000/api/oauth/callback");
    expect(started.cookie).toMatchObject({ name: "hb_oauth1", maxAge: 600, httpOnly: true, sameSite: "lax" });
    // The request-token secret travels sealed inside the cookie, never in clear.
    const issued = sim.state.bag<{ secret: string }>("garmin:request-tokens").get(query.oauth_token)!;
    expect(Buffer.from(started.cookie.value.split(".")[0], "base64url").toString()).not.toContain(issued.secret);
    expect(query.oauth_verifier).toBeTruthy();

    const { connection } = await completeOAuth1(t.db, userId, query, started.cookie.value);
    expect(connection).toMatchObject({ authKind: "oauth1", providerUserId: garminUserId("g-dance"), status: "active", expiresAt: null });

    const [simConn] = sim.state.connections({ provider: "garmin", account: "g-dance" });
    const secret = sim.state.bag<string>("garmin:token-secrets").get(simConn.accessToken!)!;
    expect(openToken(connection.accessTokenEnc!)).toBe(simConn.accessToken);
    expect(openToken(connection.tokenSecretEnc!)).toBe(secret);
    const dump = await databaseText(t.db);
    expect(dump).toContain(connection.id);
    expect(dump).not.toContain(simConn.accessToken!);
    expect(dump).not.toContain(secret);

    // Stored tokens sign later calls that the simulator accepts.
    const { ctx } = oauth1Context(garmin, userId);
    await expect(fetchGarminUserId(ctx, tokensFromRow(connection))).resolves.toBe(garminUserId("g-dance"));
  });

  it("is refused by the simulator (401) when the consumer secret is wrong", async () => {
    onlyOAuth1();
    const good = process.env.GARMIN_CONSUMER_SECRET!;
    process.env.GARMIN_CONSUMER_SECRET = `${good}x`;
    try {
      const before = stat("oauth1:rejected");
      const err = await startOAuth1(await createUser(t.db, "badsecret")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderRequestError);
      expect((err as ProviderRequestError).status).toBe(401);
      expect(stat("oauth1:rejected")).toBe(before + 1);
    } finally {
      process.env.GARMIN_CONSUMER_SECRET = good;
    }
  });

  it("rejects a signature one character off, a replayed nonce and a stale timestamp", async () => {
    const { connection } = await connectOAuth1("g-sig");
    const tokens = tokensFromRow(connection);
    const consumer = { key: DEMO_CLIENTS.garmin_oauth1.clientId, secret: DEMO_CLIENTS.garmin_oauth1.clientSecret };
    const token = { key: tokens.accessToken, secret: tokens.tokenSecret! };
    const send = (authorization: string) => fetch(simUrl(sim.url, USER_ID_URL), { headers: { authorization } });

    const header = oauth1Header({ consumer, token, method: "GET", url: USER_ID_URL });
    const sig = parseOAuthHeader(header)!.get("oauth_signature")!;
    const offByOne = `${sig.slice(0, 5)}${sig[5] === "A" ? "B" : "A"}${sig.slice(6)}`;
    const bad = await send(header.replace(encodeURIComponent(sig), encodeURIComponent(offByOne)));
    expect(bad.status).toBe(401);
    expect(await bad.text()).toMatch(/invalid signature/);

    // The untouched header works once; the same nonce again is refused.
    const first = await send(header);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ userId: garminUserId("g-sig") });
    const replay = await send(header);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toMatch(/nonce already used/);

    const stale = await send(oauth1Header({ consumer, token, method: "GET", url: USER_ID_URL, timestamp: Math.floor(Date.now() / 1000) - 301 }));
    expect(stale.status).toBe(401);
    expect(await stale.text()).toMatch(/timestamp/);

    const wrongSecret = await send(oauth1Header({ consumer, token: { ...token, secret: `${token.secret}0` }, method: "GET", url: USER_ID_URL }));
    expect(wrongSecret.status).toBe(401);
  });

  it("refuses a missing, tampered or expired cookie, another user and a mismatched token — storing nothing", async () => {
    onlyOAuth1();
    const userId = await createUser(t.db, "cookie");
    const other = await createUser(t.db, "cookie-other");
    const { started, query } = await approve(userId, "g-cookie");
    const exchangesBefore = stat("oauth1:access_token");
    const problem = (p: Promise<unknown>) =>
      p.then(
        () => "resolved",
        (e: unknown) => (e instanceof OAuth1FlowError ? e.problem : e),
      );

    const [data, mac] = started.cookie.value.split(".");
    const tampered = JSON.parse(Buffer.from(data, "base64url").toString());
    tampered.u = other;
    const forged = `${Buffer.from(JSON.stringify(tampered)).toString("base64url")}.${mac}`;
    const in11Minutes = new Date(Date.now() + 11 * 60_000);

    expect(await problem(completeOAuth1(t.db, userId, query, undefined))).toBe("missing_cookie");
    expect(await problem(completeOAuth1(t.db, other, query, forged))).toBe("invalid_cookie");
    expect(await problem(completeOAuth1(t.db, userId, query, `${data}.${mac.slice(1)}A`))).toBe("invalid_cookie");
    expect(await problem(completeOAuth1(t.db, userId, query, started.cookie.value, in11Minutes))).toBe("expired");
    expect(await problem(completeOAuth1(t.db, other, query, started.cookie.value))).toBe("wrong_user");
    expect(await problem(completeOAuth1(t.db, userId, { ...query, oauth_token: `${query.oauth_token}x` }, started.cookie.value))).toBe(
      "token_mismatch",
    );

    expect(stat("oauth1:access_token")).toBe(exchangesBefore); // Garmin was never asked
    expect(await rowsOf(userId)).toHaveLength(0);
    expect(await rowsOf(other)).toHaveLength(0);

    // The genuine callback still completes afterwards.
    await completeOAuth1(t.db, userId, query, started.cookie.value);
    expect(await rowsOf(userId)).toHaveLength(1);
  });

  it("reports a denial and stores nothing", async () => {
    onlyOAuth1();
    const userId = await createUser(t.db, "deny");
    const { started, query } = await approve(userId, "g-deny", "deny");
    expect(query.oauth_verifier).toBeUndefined();
    await expect(completeOAuth1(t.db, userId, query, started.cookie.value)).rejects.toBeInstanceOf(ProviderDeniedError);
    expect(await rowsOf(userId)).toHaveLength(0);
  });

  it("refuses a Garmin account already connected to another user", async () => {
    await connectOAuth1("g-shared");
    const intruder = await createUser(t.db, "intruder");
    const { started, query } = await approve(intruder, "g-shared");
    await expect(completeOAuth1(t.db, intruder, query, started.cookie.value)).rejects.toBeInstanceOf(AccountLinkedElsewhereError);
    expect(await rowsOf(intruder)).toHaveLength(0);
  });

  it("deregisters at Garmin (signed DELETE) on disconnect", async () => {
    const { userId } = await connectOAuth1("g-bye");
    const result = await disconnect(t.db, userId, "garmin");
    expect(result).toMatchObject({ disconnected: true, revoked: true });
    expect(sim.state.connections({ provider: "garmin", account: "g-bye" })[0].status).toBe("revoked");
    expect(await rowsOf(userId)).toHaveLength(0);
  });
});

describe("Garmin OAuth 2.0 PKCE", () => {
  it("connects through oauth2Confirm and refreshes with rotation", async () => {
    withOAuth2();
    const userId = await createUser(t.db, "oauth2");
    const { url } = await startConnect(t.db, { userId, provider: "garmin" });
    const authUrl = new URL(url);
    expect(`${authUrl.origin}${authUrl.pathname}`).toBe("https://connect.garmin.com/oauth2Confirm");
    expect(authUrl.searchParams.get("code_challenge_method")).toBe("S256");

    const { location } = await authorize(sim.url, url, { account: "g-two" });
    const { connection } = await completeConnect(t.db, { userId, query: Object.fromEntries(location!.searchParams) });
    expect(connection).toMatchObject({ authKind: "oauth2", providerUserId: garminUserId("g-two"), tokenSecretEnc: null });
    const firstRefresh = openToken(connection.refreshTokenEnc!);
    expect(connection.expiresAt!.getTime() - Date.now()).toBeGreaterThan(86_000_000);

    // A day later the access token is due: the app refreshes, Garmin rotates the refresh token.
    const tomorrow = () => new Date(Date.now() + 86_400_000);
    const { accessToken, connection: refreshed } = await getValidTokens(t.db, connection.id, { now: tomorrow });
    expect(accessToken).not.toBe(openToken(connection.accessTokenEnc!));
    expect(openToken(refreshed.refreshTokenEnc!)).not.toBe(firstRefresh);
    const reuse = await postForm(sim.url, "https://diauth.garmin.com/di-oauth2-service/oauth/token", {
      grant_type: "refresh_token",
      refresh_token: firstRefresh,
      client_id: DEMO_CLIENTS.garmin.clientId,
      client_secret: DEMO_CLIENTS.garmin.clientSecret,
    });
    expect(reuse.json).toMatchObject({ error: "invalid_grant" });
  });
});

describe("migration OAuth 1.0a → 2.0", () => {
  it("exchanges the tokens and updates the same row", async () => {
    const { userId, connection } = await connectOAuth1("g-migrate");
    const old = tokensFromRow(connection);

    onlyOAuth1();
    await expect(migrateGarminToOAuth2(t.db, userId)).rejects.toThrow(/GARMIN_CLIENT_ID/);

    withOAuth2();
    const { migrated, connection: row } = await migrateGarminToOAuth2(t.db, userId);
    expect(migrated).toBe(true);
    expect(row).toMatchObject({ id: connection.id, authKind: "oauth2", tokenSecretEnc: null, status: "active" });
    expect(row.refreshTokenEnc).not.toBeNull();
    expect(row.expiresAt).not.toBeNull();
    expect(stat("token-exchange")).toBe(1);

    // The new Bearer token works; the old 1.0a token is retired.
    const ctx2 = providerContext(garmin, { userId });
    await expect(fetchGarminUserId(ctx2, tokensFromRow(row))).resolves.toBe(garminUserId("g-migrate"));
    const { ctx: ctx1 } = oauth1Context(garmin, userId);
    await expect(fetchGarminUserId(ctx1, old)).rejects.toMatchObject({ status: 401 });

    // Idempotent.
    const again = await migrateGarminToOAuth2(t.db, userId);
    expect(again.migrated).toBe(false);
    expect(again.connection.accessTokenEnc).toBe(row.accessTokenEnc);
  });
});
