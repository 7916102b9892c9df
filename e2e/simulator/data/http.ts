import { providerModule } from "../registry";
import { json, type RequestContext, type SimResponse } from "../router";
import { isDay } from "./core";
import { simData } from "./generator";

/** Shared plumbing of the data endpoints: budgets and their headers, parameter parsing, paging tokens. */

/**
 * Counts the request against the provider's budget (scope: the app, or the user for Google Health), then
 * answers with the provider's rate-limit headers, or with its 429 (Withings: HTTP 200 + status 601)
 * when the budget is spent and enforcement is on. Budgets and headers are the provider module's
 * (`data.rateLimits`, from `providers/<id>/rate-limits.ts`); without them nothing is counted.
 */
export function metered(ctx: RequestContext, provider: string, scope: string, handle: () => SimResponse): SimResponse {
  const store = simData(ctx.state);
  const now = ctx.state.now();
  const mod = providerModule(ctx.state, provider);
  const limits = mod?.data?.rateLimits;
  const users = limits ? Math.max(1, ctx.state.connections({ provider }).filter((c) => c.status === "active").length) : 1;
  const verdict = store.limiter.take(`${provider}|${scope}`, limits?.rules(users) ?? [], now, store.enforceRateLimits);
  const headers = limits?.headers?.(verdict.usage, now) ?? {};
  if (!verdict.allowed) {
    ctx.count("data:rate_limited");
    const res = mod?.auth.rateLimited?.(verdict.retryAfterS, ctx.state) ?? json(429, { message: "Too Many Requests" });
    return { ...res, headers: { ...res.headers, ...headers, ...(res.status === 429 ? { "retry-after": String(verdict.retryAfterS) } : {}) } };
  }
  const res = handle();
  return { ...res, headers: { ...res.headers, ...headers } };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** An optional integer parameter within [min, max]. */
export function intParam(q: URLSearchParams, name: string, fallback: number | null, min: number, max: number): Parsed<number | null> {
  const raw = q.get(name);
  if (raw === null || raw === "") return { ok: true, value: fallback };
  if (!/^-?\d+$/.test(raw)) return { ok: false, message: `${name} must be an integer` };
  const n = Number(raw);
  if (n < min || n > max) return { ok: false, message: `${name} must be between ${min} and ${max}` };
  return { ok: true, value: n };
}

/** An optional YYYY-MM-DD parameter. */
export function dayParam(q: URLSearchParams, name: string): Parsed<string | null> {
  const raw = q.get(name);
  if (raw === null || raw === "") return { ok: true, value: null };
  return isDay(raw) ? { ok: true, value: raw } : { ok: false, message: `${name} must be a date YYYY-MM-DD` };
}

/** An optional ISO-8601 date-time parameter → epoch ms. */
export function instantParam(q: URLSearchParams, name: string): Parsed<number | null> {
  const raw = q.get(name);
  if (raw === null || raw === "") return { ok: true, value: null };
  const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw) ? Date.parse(raw) : NaN;
  return Number.isNaN(ms) ? { ok: false, message: `${name} must be an ISO-8601 date-time` } : { ok: true, value: ms };
}

/** Opaque paging tokens: base64url JSON, bound to the query they belong to. */
export function encodeToken(data: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(data)).toString("base64url");
}

export function decodeToken<T extends Record<string, unknown>>(token: string | null): T | null | "invalid" {
  if (token === null || token === "") return null;
  try {
    const v = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown;
    return v && typeof v === "object" ? (v as T) : "invalid";
  } catch {
    return "invalid";
  }
}

/** Request parameters from the query and, for POSTs, the form body (Withings accepts both). */
export function params(ctx: RequestContext): URLSearchParams {
  const p = new URLSearchParams(ctx.query);
  for (const [k, v] of ctx.form) p.set(k, v);
  return p;
}
