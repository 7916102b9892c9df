import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "@/lib/env";
import { ProviderNotConfiguredError, TransientProviderError } from "./errors";
import { providerContext, providerFetch, routeUrl } from "./http";

describe("routeUrl", () => {
  const override = "http://127.0.0.1:4010";

  it("rewrites https://<host>/<path>?query under the override, keeping the query intact", () => {
    expect(routeUrl("https://www.strava.com/oauth/authorize?client_id=1&redirect_uri=http%3A%2F%2Fa%2Fcb", override)).toBe(
      "http://127.0.0.1:4010/www.strava.com/oauth/authorize?client_id=1&redirect_uri=http%3A%2F%2Fa%2Fcb",
    );
    expect(routeUrl("https://health.googleapis.com:8443/oauth2/token", `${override}/`)).toBe(
      "http://127.0.0.1:4010/health.googleapis.com:8443/oauth2/token",
    );
  });

  it("leaves urls alone without an override, and never rewrites plain http (our own app)", () => {
    expect(routeUrl("https://www.strava.com/oauth/token", "")).toBe("https://www.strava.com/oauth/token");
    expect(routeUrl("http://localhost:3000/api/oauth/callback", override)).toBe("http://localhost:3000/api/oauth/callback");
  });
});

describe("providerFetch", () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];
  const before = process.env.PROVIDER_ORIGIN_OVERRIDE;

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? "");
      if (req.url?.startsWith("/slow.example.com/")) return; // never answers
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ path: req.url }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // env() is validated once per process: set the override before anything in this file reads it.
    process.env.PROVIDER_ORIGIN_OVERRIDE = base;
  });
  afterAll(async () => {
    if (before === undefined) delete process.env.PROVIDER_ORIGIN_OVERRIDE;
    else process.env.PROVIDER_ORIGIN_OVERRIDE = before;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("sends the real https url to <override>/<host>/<path> (string, URL and Request inputs)", async () => {
    const res = await providerFetch("https://api.example.com/v1/thing?a=1");
    expect(await res.json()).toEqual({ path: "/api.example.com/v1/thing?a=1" });
    await (await providerFetch(new URL("https://b.example.com/u"))).text();
    await (await providerFetch(new Request("https://c.example.com/r?x=2", { method: "POST", body: "k=v" }))).text();
    expect(seen.slice(-2)).toEqual(["/b.example.com/u", "/c.example.com/r?x=2"]);
  });

  it("turns a timeout into a TransientProviderError that names host+path but not the query", async () => {
    const err = await providerFetch("https://slow.example.com/oauth/revoke?access_token=SECRET-TOKEN-123", {
      timeoutMs: 200,
      provider: "oura",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientProviderError);
    expect((err as Error).message).toMatch(/timed out after 200 ms/);
    expect((err as Error).message).toContain("slow.example.com/oauth/revoke");
    expect((err as Error).message).not.toContain("SECRET-TOKEN-123");
  });

  it("turns a refused connection into a TransientProviderError", async () => {
    const err = await providerFetch("http://127.0.0.1:1/x?token=abc", { provider: "coros" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientProviderError);
    expect((err as Error).message).not.toContain("token=abc");
  });
});

describe("providerContext", () => {
  it("reads <ID>_CLIENT_ID/_CLIENT_SECRET and derives the callback from APP_URL", () => {
    process.env.COROS_CLIENT_ID = "cid";
    process.env.COROS_CLIENT_SECRET = "  csecret ";
    try {
      const ctx = providerContext("coros", { userId: "u1" });
      expect(ctx.clientId).toBe("cid");
      expect(ctx.clientSecret).toBe("csecret");
      expect(ctx.redirectUri).toBe(`${env().APP_URL.replace(/\/+$/, "")}/api/oauth/callback`);
      expect(ctx.providerId).toBe("coros");
      expect(ctx.userId).toBe("u1");
    } finally {
      delete process.env.COROS_CLIENT_ID;
      delete process.env.COROS_CLIENT_SECRET;
    }
  });

  it("throws ProviderNotConfiguredError naming the missing variables (never their values)", () => {
    process.env.WHOOP_CLIENT_ID = "only-the-id";
    try {
      const err = (() => {
        try {
          providerContext("whoop");
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ProviderNotConfiguredError);
      expect((err as ProviderNotConfiguredError).missing).toEqual(["WHOOP_CLIENT_SECRET"]);
      expect((err as Error).message).not.toContain("only-the-id");
    } finally {
      delete process.env.WHOOP_CLIENT_ID;
    }
  });
});
