import { describe, expect, it } from "vitest";
// @ts-expect-error -- the plain .mjs config is typed by its JSDoc only
import nextConfig from "../../next.config.mjs";

/** `npm run dev` must never print credentials: server-action arguments and secret query strings. */
describe("next.config logging", () => {
  const logging = nextConfig.logging as {
    serverFunctions?: boolean;
    incomingRequests?: boolean | { ignore?: RegExp[] };
    fetches?: { fullUrl?: boolean };
  };

  it("does not log server-function calls (their arguments hold passwords)", () => {
    // Next's default is true: `signUpAction({email, password})` was printed with the password.
    expect(logging?.serverFunctions).toBe(false);
  });

  it.each([
    "/api/webhooks/ingest?key=hb_live_abcdefghijklmnop",
    "/api/oauth/callback?code=abc123&state=xyz",
    "/api/oauth/callback?oauth_token=t&oauth_verifier=v",
    "/api/beeminder/callback?access_token=abc123&username=alice",
    "/api/webhooks/strava?hub.verify_token=secret",
  ])("does not log the request line %s", (url) => {
    const incoming = logging?.incomingRequests;
    const ignored = incoming === false || (typeof incoming === "object" && (incoming.ignore ?? []).some((re) => re.test(url)));
    expect(ignored).toBe(true);
  });

  it("still logs ordinary page requests, and never full fetch URLs", () => {
    const incoming = logging?.incomingRequests;
    expect(typeof incoming === "object" && (incoming.ignore ?? []).some((re) => re.test("/dashboard/settings"))).toBe(false);
    expect(logging?.fetches?.fullUrl).toBe(false);
  });
});
