import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidGrantError, ProviderRequestError, TransientProviderError, safeReason } from "./errors";
import { providerFetch } from "./http";
import {
  basicAuthHeader,
  buildAuthorizeUrl,
  createPkcePair,
  parseTokenFields,
  pkceChallenge,
  requestJson,
  splitScopes,
  tokenRequest,
} from "./oauth2";
import type { ProviderContext } from "../types";

describe("PKCE", () => {
  it("matches the RFC 7636 Appendix B test vector", () => {
    expect(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });
  it("makes 43-char base64url verifiers, different each time, with their S256 challenge", () => {
    const a = createPkcePair();
    const b = createPkcePair();
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.challenge).toBe(pkceChallenge(a.verifier));
    expect(a.verifier).not.toBe(b.verifier);
  });
});

describe("helpers", () => {
  it("buildAuthorizeUrl keeps order, encodes values and drops undefined", () => {
    expect(buildAuthorizeUrl("https://x.test/auth", { a: "1", b: undefined, scope: "read,activity:read_all", s: "a b" })).toBe(
      "https://x.test/auth?a=1&scope=read%2Cactivity%3Aread_all&s=a+b",
    );
  });
  it("basicAuthHeader form-encodes before base64 (RFC 6749 §2.3.1)", () => {
    expect(basicAuthHeader("id", "se:cret")).toBe(`Basic ${Buffer.from("id:se%3Acret").toString("base64")}`);
  });
  it("splitScopes splits on the provider's separator", () => {
    expect(splitScopes("read,activity:read_all", ",")).toEqual(["read", "activity:read_all"]);
    expect(splitScopes("daily  heartrate", " ")).toEqual(["daily", "heartrate"]);
    expect(splitScopes(undefined, " ")).toBeUndefined();
  });
  it("parseTokenFields: expires_at wins over expires_in; missing access_token is transient", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(parseTokenFields("x", { access_token: "a", expires_in: 60 }, { scopeSeparator: " ", now }).expiresAt).toEqual(
      new Date("2026-01-01T00:01:00Z"),
    );
    expect(
      parseTokenFields("x", { access_token: "a", expires_in: 60, expires_at: 1767225700 }, { scopeSeparator: " ", now }).expiresAt,
    ).toEqual(new Date(1767225700 * 1000));
    expect(parseTokenFields("x", { access_token: "a" }, { scopeSeparator: " ", now }).expiresAt).toBeNull();
    expect(() => parseTokenFields("x", { token: "a" }, { scopeSeparator: " ", now })).toThrow(TransientProviderError);
  });
  it("safeReason removes known secrets and token-shaped runs, and caps length", () => {
    const r = safeReason("Refresh token invalid: 9f8e7d6c5b4a39281706f5e4d3c2b1a0. Visit https://example.com/docs for more", ["abcd1234"]);
    expect(r).toBe("Refresh token invalid: [redacted] Visit https://example.com/docs for more");
    expect(safeReason("code abcd1234 bad", ["abcd1234"])).toBe("code [redacted] bad");
    expect(safeReason("x".repeat(500))).toBe("[redacted]");
    expect(safeReason("too long ".repeat(60)).length).toBeLessThanOrEqual(200);
  });
});

// A loopback token endpoint whose next answer each test scripts.
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let server: Server;
let base: string;
let next: Handler;
let last: { headers: IncomingMessage["headers"]; body: string; url: string };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      last = { headers: req.headers, body, url: req.url ?? "" };
      next(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const reply = (status: number, body: unknown, headers: Record<string, string> = {}): Handler => (_req, _b, res) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
};

const ctx = (): ProviderContext => ({
  fetch: ((input: string, init?: RequestInit) => providerFetch(input, { ...init, provider: "demo", timeoutMs: 2000 })) as typeof fetch,
  clientId: "client-1",
  clientSecret: "super-secret-value",
  redirectUri: "http://localhost:3000/api/oauth/callback",
  appUrl: "http://localhost:3000",
  providerId: "demo",
});

const REFRESH = "rt-0123456789abcdef0123456789abcdef";
const refresh = (clientAuth: "basic" | "body" = "body") =>
  tokenRequest(ctx(), {
    url: `${base}/token`,
    clientAuth,
    grant: "refresh_token",
    params: { grant_type: "refresh_token", refresh_token: REFRESH },
  });
const caught = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);

describe("tokenRequest", () => {
  it("sends client credentials in the body or with HTTP Basic, never both", async () => {
    next = reply(200, { access_token: "a" });
    await refresh("body");
    expect(new URLSearchParams(last.body).get("client_secret")).toBe("super-secret-value");
    expect(last.headers.authorization).toBeUndefined();
    expect(last.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    await refresh("basic");
    expect(new URLSearchParams(last.body).has("client_secret")).toBe(false);
    expect(new URLSearchParams(last.body).has("client_id")).toBe(false);
    expect(last.headers.authorization).toBe(basicAuthHeader("client-1", "super-secret-value"));
  });

  it("invalid_grant (RFC 6749 shape) → InvalidGrantError without the token in the message", async () => {
    next = reply(400, { error: "invalid_grant", error_description: `refresh token ${REFRESH} has been revoked` });
    const err = await caught(refresh());
    expect(err).toBeInstanceOf(InvalidGrantError);
    expect(err!.message).toContain("invalid_grant");
    expect(err!.message).not.toContain(REFRESH);
  });

  it("401 on refresh → InvalidGrantError; 401 on code exchange → ProviderRequestError", async () => {
    next = reply(401, { message: "Authorization Error" });
    expect(await caught(refresh())).toBeInstanceOf(InvalidGrantError);
    const err = await caught(
      tokenRequest(ctx(), { url: `${base}/token`, clientAuth: "body", grant: "authorization_code", params: { code: "c0de-c0de" } }),
    );
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect(err!.message).not.toContain("super-secret-value");
  });

  it("5xx and 429 (with Retry-After) → TransientProviderError", async () => {
    next = reply(503, "<html>down</html>");
    const e1 = await caught(refresh());
    expect(e1).toBeInstanceOf(TransientProviderError);
    expect((e1 as TransientProviderError).status).toBe(503);
    next = reply(429, { message: "Rate Limit Exceeded" }, { "retry-after": "7" });
    const e2 = (await caught(refresh())) as TransientProviderError;
    expect(e2).toBeInstanceOf(TransientProviderError);
    expect(e2.retryAfterMs).toBe(7000);
  });

  it("a truncated body or invalid JSON on 200 → TransientProviderError", async () => {
    next = (_req, _b, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "200" });
      res.write('{"access_token":"abc');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    expect(await caught(refresh())).toBeInstanceOf(TransientProviderError);
    next = reply(200, "{not json");
    expect(await caught(refresh())).toBeInstanceOf(TransientProviderError);
  });

  it("other 4xx → ProviderRequestError", async () => {
    next = reply(400, { error: "invalid_request", error_description: "grant_type is missing" });
    const err = await caught(refresh());
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect(err!.message).toContain("grant_type is missing");
  });
});

describe("requestJson", () => {
  it("passes okStatuses, classifies the rest", async () => {
    next = reply(409, { error: "conflict" });
    const r = await requestJson(ctx(), `${base}/users`, { method: "POST", what: "register", okStatuses: [409] });
    expect(r.status).toBe(409);
    next = reply(403, { error: "forbidden" });
    expect(await caught(requestJson(ctx(), `${base}/users`, { what: "register" }))).toBeInstanceOf(ProviderRequestError);
    next = reply(500, { error: "boom" });
    expect(await caught(requestJson(ctx(), `${base}/users`, { what: "register" }))).toBeInstanceOf(TransientProviderError);
    next = (_req, _b, res) => {
      res.writeHead(204);
      res.end();
    };
    expect((await requestJson(ctx(), `${base}/users`, { method: "DELETE", what: "deregister" })).json).toBeNull();
  });
});
