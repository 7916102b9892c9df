import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoEnv } from "@sim/clients";
import { googleHealthUserId } from "@sim/providers/google_health/oauth";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { authorize } from "@sim/testing";
import { InvalidGrantError, ProviderRequestError } from "../shared/errors";
import { providerContext } from "../shared/http";
import { createPkcePair, requestJson } from "../shared/oauth2";
import type { ProviderContext } from "../types";
import { GOOGLE_HEALTH_SCOPES, missingScopes, oauth2 } from "./auth";
import { GH_API } from "./errors";
import { googleHealth } from "./index";

/**
 * The Google OAuth flow against the simulator over HTTP: PKCE S256 checked at the token endpoint,
 * offline access with consent (a refresh token every time), unrotated refresh, partial grants,
 * identity, revocation, and Google's error envelope in our messages.
 */

let sim: RunningSimulator;
let ctx: ProviderContext;
const saved = { ...process.env };

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  Object.assign(process.env, demoEnv(sim.url), { APP_URL: "http://localhost:3000" });
  ctx = providerContext("google_health");
});
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  await sim?.close();
});

async function consent(account: string, opts: { untick?: string[]; edit?: (u: URL) => void } = {}) {
  const pkce = createPkcePair();
  const url = new URL(oauth2.authorizeUrl(ctx, { state: "state-123456", codeChallenge: pkce.challenge }));
  opts.edit?.(url);
  const outcome = await authorize(sim.url, url.toString(), { account, untick: opts.untick });
  const code = outcome.location?.searchParams.get("code");
  if (!code) throw new Error(`no code: ${outcome.html.slice(0, 200)}`);
  return { code, verifier: pkce.verifier, url };
}

describe("google_health OAuth against the simulator", () => {
  it("asks for offline access with consent and PKCE S256, and exactly the four read scopes", async () => {
    const { url } = await consent("gh-flow-0");
    expect(`${url.origin}${url.pathname}`).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    const p = Object.fromEntries(url.searchParams);
    expect(p).toMatchObject({ response_type: "code", access_type: "offline", prompt: "consent", code_challenge_method: "S256", redirect_uri: "http://localhost:3000/api/oauth/callback" });
    expect(p.scope.split(" ")).toEqual(Object.values(GOOGLE_HEALTH_SCOPES).map((s) => s.scope));
    expect(url.searchParams.has("include_granted_scopes")).toBe(false);
  });

  it("exchanges the code only with the right verifier, then refreshes without rotating and revokes", async () => {
    const { code } = await consent("gh-flow-1");
    await expect(oauth2.exchangeCode(ctx, { code, codeVerifier: createPkcePair().verifier })).rejects.toBeInstanceOf(InvalidGrantError);

    const again = await consent("gh-flow-1");
    const tokens = await oauth2.exchangeCode(ctx, { code: again.code, codeVerifier: again.verifier });
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.scopes?.sort()).toEqual(Object.values(GOOGLE_HEALTH_SCOPES).map((s) => s.scope).sort());
    expect(tokens.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 3000_000);

    const connected = (await oauth2.onConnected!(ctx, tokens))!;
    expect(connected.providerUserId).toBe(googleHealthUserId("gh-flow-1"));
    expect(connected.meta).toMatchObject({ notGranted: [] });
    expect(typeof connected.meta?.legacyFitbitUserId).toBe("string");

    const first = await oauth2.refresh!(ctx, connected);
    expect(first.accessToken).not.toBe(connected.accessToken);
    expect(first.refreshToken).toBe(connected.refreshToken); // Google keeps the refresh token
    const second = await oauth2.refresh!(ctx, first);
    expect(second.accessToken).not.toBe(first.accessToken);

    await oauth2.revoke!(ctx, second);
    await expect(oauth2.refresh!(ctx, second)).rejects.toBeInstanceOf(InvalidGrantError);
  });

  it("gets no refresh token on a repeat consent without prompt=consent (why the app always sends it)", async () => {
    await consent("gh-flow-2").then((c) => oauth2.exchangeCode(ctx, { code: c.code, codeVerifier: c.verifier }));
    const repeat = await consent("gh-flow-2", { edit: (u) => u.searchParams.delete("prompt") });
    const tokens = await oauth2.exchangeCode(ctx, { code: repeat.code, codeVerifier: repeat.verifier });
    expect(tokens.refreshToken).toBeNull();
  });

  it("keeps a partial grant, names what is missing on the card, and words Google's refusal precisely", async () => {
    const c = await consent("gh-flow-3", { untick: [GOOGLE_HEALTH_SCOPES.sleep.scope, GOOGLE_HEALTH_SCOPES.settings.scope] });
    const tokens = (await oauth2.onConnected!(ctx, await oauth2.exchangeCode(ctx, { code: c.code, codeVerifier: c.verifier })))!;
    expect(tokens.scopes).not.toContain(GOOGLE_HEALTH_SCOPES.sleep.scope);
    expect(missingScopes(tokens.scopes)).toEqual(["sleep", "time zone setting"]);
    expect(tokens.meta).toMatchObject({ notGranted: ["sleep", "time zone setting"] });
    expect(googleHealth.connectionNotice!({ scopes: tokens.scopes!, meta: {} })).toMatch(/Not granted.*sleep; time zone setting/);

    const refused = await requestJson(ctx, `${GH_API}/users/me/settings`, { headers: { Authorization: `Bearer ${tokens.accessToken}` }, what: "settings" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderRequestError);
    expect((refused as Error).message).toMatch(/HTTP 403 \(PERMISSION_DENIED: ACCESS_TOKEN_SCOPE_INSUFFICIENT: /);
  });
});
