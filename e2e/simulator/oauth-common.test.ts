import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_CLIENTS } from "./clients";
import { ouraUserId } from "./providers/oura/oauth";
import { startSimulator, type RunningSimulator } from "./server";
import { authorize, call, postForm, simUrl } from "./testing";

/** Behaviour shared by every OAuth 2.0 provider: request validation, consent, codes. */

let sim: RunningSimulator;
let base: string;
const CALLBACK = "http://127.0.0.1:3123/api/oauth/callback";
const oura = DEMO_CLIENTS.oura;
const TOKEN = "https://api.ouraring.com/oauth/token";

beforeAll(async () => {
  sim = await startSimulator({ port: 0, redirectUris: ["https://health.example.com/api/oauth/callback"] });
  base = sim.url;
});
afterAll(() => sim.close());
beforeEach(() => sim.state.reset());

function ouraAuthorize(overrides: Record<string, string | null> = {}): string {
  const u = new URL("https://cloud.ouraring.com/oauth/authorize");
  const params: Record<string, string | null> = {
    response_type: "code",
    client_id: oura.clientId,
    redirect_uri: CALLBACK,
    scope: "daily personal",
    state: "xyz",
    ...overrides,
  };
  for (const [k, v] of Object.entries(params)) if (v !== null) u.searchParams.set(k, v);
  return u.toString();
}

const exchange = (code: string, extra: Record<string, string> = {}) =>
  postForm(base, TOKEN, { grant_type: "authorization_code", code, redirect_uri: CALLBACK, client_id: oura.clientId, client_secret: oura.clientSecret, ...extra });

describe("authorize validation", () => {
  it.each([
    ["unknown client_id", { client_id: "someone-else" }, /unknown client_id/],
    ["missing client_id", { client_id: null }, /client_id is missing/],
    ["unregistered redirect_uri", { redirect_uri: "https://evil.example/cb" }, /not registered/],
    ["wrong callback path", { redirect_uri: "http://localhost:3000/elsewhere" }, /not registered/],
    ["response_type token", { response_type: "token" }, /response_type/],
    ["unknown scope", { scope: "daily sleepytime" }, /invalid scope &quot;sleepytime&quot;/],
    ["comma-separated scopes", { scope: "daily,personal" }, /space-separated/],
    ["PKCE plain", { code_challenge: "a".repeat(43), code_challenge_method: "plain" }, /S256/],
    ["PKCE method without challenge", { code_challenge_method: "S256" }, /without code_challenge/],
  ])("answers a 400 page without redirecting: %s", async (_name, overrides, message) => {
    const res = await fetch(simUrl(base, ouraAuthorize(overrides)), { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toMatch(message);
  });

  it("accepts any loopback port and configured redirect URIs", async () => {
    for (const redirect_uri of ["http://localhost:41234/api/oauth/callback", "https://health.example.com/api/oauth/callback"]) {
      const { location } = await authorize(base, ouraAuthorize({ redirect_uri }));
      expect(location!.origin + location!.pathname).toBe(redirect_uri);
    }
  });

  it("renders a consent page with the account field, scopes and both buttons", async () => {
    const res = await fetch(simUrl(base, ouraAuthorize()));
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain("Oura");
    expect(html).toMatch(/<label for="account">Account<\/label>\s*<input type="text" id="account" name="account" value="athlete-1"/);
    expect(html).toContain('<button type="submit" name="decision" value="approve">Approve</button>');
    expect(html).toContain('value="deny"');
    expect(html).toMatch(/value="daily" checked/);
  });

  it("re-validates the posted form (tampered hidden fields are refused)", async () => {
    const res = await fetch(`${base}/cloud.ouraring.com/oauth/authorize`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ response_type: "code", client_id: oura.clientId, redirect_uri: "https://evil.example/cb", decision: "approve", account: "a" }).toString(),
      redirect: "manual",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("refuses an invalid account name", async () => {
    const out = await authorize(base, ouraAuthorize(), { account: "bad name!" });
    expect(out.location).toBeNull();
    expect(out.html).toMatch(/Account must be/);
  });
});

describe("consent decisions and identities", () => {
  it("deny redirects with error=access_denied and the state", async () => {
    const { location } = await authorize(base, ouraAuthorize(), { decision: "deny" });
    expect(location!.searchParams.get("error")).toBe("access_denied");
    expect(location!.searchParams.get("state")).toBe("xyz");
    expect(location!.searchParams.get("code")).toBeNull();
  });

  it("maps account names deterministically to provider user ids", async () => {
    const ids: string[] = [];
    for (const account of ["alice", "bob", "alice"]) {
      const { location } = await authorize(base, ouraAuthorize(), { account });
      const tok = await exchange(location!.searchParams.get("code")!);
      ids.push((await call(base, "https://api.ouraring.com/v2/usercollection/personal_info", { token: tok.json.access_token })).json.id);
    }
    expect(ids[0]).toBe(ouraUserId("alice"));
    expect(ids[1]).toBe(ouraUserId("bob"));
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[2]).toBe(ids[0]);
    expect(sim.state.connections({ provider: "oura" }).map((c) => c.account)).toEqual(["alice", "bob", "alice"]);
  });
});

describe("authorization codes", () => {
  it("are single use, and a replay revokes the tokens they issued", async () => {
    const code = (await authorize(base, ouraAuthorize())).location!.searchParams.get("code")!;
    const tok = await exchange(code);
    expect(tok.status).toBe(200);
    const replay = await exchange(code);
    expect(replay.status).toBe(400);
    expect(replay.json).toEqual({ error: "invalid_grant", error_description: "authorization code has already been used" });
    const info = await call(base, "https://api.ouraring.com/v2/usercollection/personal_info", { token: tok.json.access_token });
    expect(info.status).toBe(401);
  });

  it("are bound to the redirect_uri, expire after 10 minutes, and are unknown to other providers", async () => {
    const code = (await authorize(base, ouraAuthorize())).location!.searchParams.get("code")!;
    expect((await exchange(code, { redirect_uri: "http://localhost:1/api/oauth/callback" })).json.error).toBe("invalid_grant");
    const w = DEMO_CLIENTS.whoop;
    const cross = await postForm(base, "https://api.prod.whoop.com/oauth/oauth2/token", { grant_type: "authorization_code", code, redirect_uri: CALLBACK, client_id: w.clientId, client_secret: w.clientSecret });
    expect(cross.json.error).toBe("invalid_grant");

    sim.state.advanceClock(10 * 60_000 + 1);
    const late = await exchange(code);
    expect(late.json).toEqual({ error: "invalid_grant", error_description: "authorization code has expired" });
  });

  it("reject unsupported or missing grant types", async () => {
    const bad = await postForm(base, TOKEN, { grant_type: "password", client_id: oura.clientId, client_secret: oura.clientSecret });
    expect(bad.json.error).toBe("unsupported_grant_type");
    const none = await postForm(base, TOKEN, { client_id: oura.clientId, client_secret: oura.clientSecret });
    expect(none.json.error).toBe("invalid_request");
  });
});

describe("routing", () => {
  it("answers 404 for unknown paths and 405 for a wrong method, counted as unmatched", async () => {
    expect((await call(base, "https://api.ouraring.com/v2/nope")).status).toBe(404);
    expect((await call(base, "https://api.ouraring.com/oauth/token")).status).toBe(405);
    expect((await call(base, "https://unknown.example.com/x")).status).toBe(404);
    const stats = sim.state.stats();
    expect(stats.oura["_unmatched GET /v2/nope"]).toBe(1);
    expect(stats._unknown["_unmatched GET /x"]).toBe(1);
  });
});
