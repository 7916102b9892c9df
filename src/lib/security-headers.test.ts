import { NextRequest } from "next/server";
import { afterEach, describe, expect, it } from "vitest";
import { proxy } from "@/proxy";
import { STATIC_SECURITY_HEADERS } from "./security-headers";
// @ts-expect-error -- the plain .mjs config is typed by its JSDoc only
import nextConfig from "../../next.config.mjs";

const saved = { APP_URL: process.env.APP_URL };
afterEach(() => {
  if (saved.APP_URL === undefined) delete process.env.APP_URL;
  else process.env.APP_URL = saved.APP_URL;
});

const run = (path: string) => proxy(new NextRequest(new URL(path, "http://localhost:3000")));

describe("security headers (before: none on any route)", () => {
  it.each(["/", "/signin", "/dashboard/settings", "/api/health", "/api/webhooks/ingest"])("%s gets CSP and the rest", (path) => {
    process.env.APP_URL = "http://localhost:3000";
    const res = run(path);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-eval"); // tests run as NODE_ENV=test, like production
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(res.headers.get("permissions-policy")).toContain("camera=()");
    expect(res.headers.get("strict-transport-security")).toBeNull(); // http APP_URL
  });

  it("hands Next.js the nonce through the request's CSP header, a new one per request", () => {
    const a = run("/signin");
    const b = run("/signin");
    const nonce = (r: Response) => /'nonce-([^']+)'/.exec(r.headers.get("content-security-policy")!)![1];
    expect(nonce(a)).not.toBe(nonce(b));
    // NextResponse.next({request: {headers}}) forwards overridden request headers like this:
    expect(a.headers.get("x-middleware-override-headers")).toContain("content-security-policy");
    expect(a.headers.get("x-middleware-request-x-nonce")).toBe(nonce(a));
  });

  it("sends HSTS and upgrade-insecure-requests when APP_URL is https", () => {
    process.env.APP_URL = "https://health.example.com";
    const res = run("/dashboard");
    expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    expect(res.headers.get("content-security-policy")).toContain("upgrade-insecure-requests");
  });

  it("next.config sets the fixed headers on every path, static files included, same values", async () => {
    const rules = (await nextConfig.headers()) as Array<{ source: string; headers: Array<{ key: string; value: string }> }>;
    const all = rules.find((r) => r.source === "/:path*")!;
    expect(Object.fromEntries(all.headers.map((h) => [h.key, h.value]))).toEqual(STATIC_SECURITY_HEADERS);
  });
});
