import { z } from "zod";
import { providerVar } from "@/lib/env";
import { providerFetch } from "@/lib/providers/shared/http";
import { retryAfterMs, safeReason } from "@/lib/providers/shared/errors";

/** Beeminder's API (beeminder.md B.1–B.4, B.7). Always https + www: elsewhere POST bodies are lost. */

export const BEEMINDER_ORIGIN = "https://www.beeminder.com";
const API = `${BEEMINDER_ORIGIN}/api/v1`;

export class BeeminderNotConfiguredError extends Error {
  constructor() {
    super("Beeminder is not configured on this server: set BEEMINDER_CLIENT_ID (see .env.providers.example).");
    this.name = "BeeminderNotConfiguredError";
  }
}

/** 401: the token is wrong, or the user removed the app on Beeminder (B.7). */
export class BeeminderAuthError extends Error {
  constructor() {
    super("Beeminder no longer accepts Healthbridge's access (it was removed or revoked on Beeminder). Connect Beeminder again.");
    this.name = "BeeminderAuthError";
  }
}

/** Any other failure, with a message fit for the goal card (never the token). */
export class BeeminderRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = "BeeminderRequestError";
  }
}

export function beeminderClientId(): string {
  const id = providerVar("BEEMINDER_CLIENT_ID");
  if (!id) throw new BeeminderNotConfiguredError();
  return id;
}

/** B.2 step 2: response_type is always `token`; redirect_uri must be the registered one. */
export function authorizeUrl(redirectUri: string): string {
  const u = new URL(`${BEEMINDER_ORIGIN}/apps/authorize`);
  u.searchParams.set("client_id", beeminderClientId());
  u.searchParams.set("redirect_uri", redirectUri);
  u.searchParams.set("response_type", "token");
  return u.toString();
}

export type RetryOptions = { attempts?: number; baseDelayMs?: number; maxDelayMs?: number; sleep?: (ms: number) => Promise<void> };

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * One API call with the token as `Authorization: Bearer` (B.1, so it never sits in a URL). 5xx and
 * 429 are retried with exponential backoff (Retry-After when sent; Beeminder documents no limits).
 */
async function call(
  token: string,
  method: "GET" | "POST",
  path: string,
  body?: URLSearchParams,
  retry: RetryOptions = {},
): Promise<unknown> {
  const { attempts = 4, baseDelayMs = 500, maxDelayMs = 30_000, sleep = defaultSleep } = retry;
  for (let attempt = 1; ; attempt++) {
    const res = await providerFetch(`${API}${path}`, {
      method,
      provider: "beeminder",
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
      body: body?.toString(),
    });
    const text = await res.text();
    if (res.status === 401) throw new BeeminderAuthError();
    if ((res.status === 429 || res.status >= 500) && attempt < attempts) {
      const hinted = retryAfterMs(res.headers.get("retry-after"));
      await sleep(Math.min(maxDelayMs, hinted ?? baseDelayMs * 2 ** (attempt - 1)));
      continue;
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.ok || (res.status === 422 && path.endsWith("create_all.json"))) return parsed;
    const detail = parsed && typeof parsed === "object" && "errors" in parsed ? safeReason(JSON.stringify((parsed as { errors: unknown }).errors), [token]) : "";
    const what =
      res.status === 429
        ? "Beeminder is limiting requests right now"
        : res.status >= 500
          ? `Beeminder is not responding properly (HTTP ${res.status})`
          : `Beeminder refused the request (HTTP ${res.status})`;
    throw new BeeminderRequestError(detail ? `${what}: ${detail}` : what, res.status);
  }
}

const userSchema = z.object({ username: z.string(), timezone: z.string().default("UTC") }).loose();
export type BeeminderUser = z.infer<typeof userSchema>;

export async function getMe(token: string, retry?: RetryOptions): Promise<BeeminderUser> {
  return userSchema.parse(await call(token, "GET", "/users/me.json", undefined, retry));
}

const goalSchema = z
  .object({ slug: z.string(), title: z.string().nullish(), goal_type: z.string().nullish(), gunits: z.string().nullish(), deadline: z.number().int().default(0) })
  .loose();
export type BeeminderGoal = z.infer<typeof goalSchema>;

export async function getGoals(token: string, retry?: RetryOptions): Promise<BeeminderGoal[]> {
  return z.array(goalSchema).parse(await call(token, "GET", "/users/me/goals.json", undefined, retry));
}

export type OutDatapoint = { value: number; daystamp: string; comment: string; requestid: string };
const returned = z.object({ id: z.string().nullish(), requestid: z.string().nullish(), value: z.number().optional() }).loose();
export type CreateAllResult = { saved: Array<{ requestid: string; id: string | null }>; errors: string[] };

/**
 * B.4 `create_all`: the list of datapoints, or on any error `{successes, errors}`. Only the
 * requestids Beeminder echoes back count as saved.
 */
export async function createAll(token: string, slug: string, points: OutDatapoint[], retry?: RetryOptions): Promise<CreateAllResult> {
  const body = new URLSearchParams({ datapoints: JSON.stringify(points) });
  const out = await call(token, "POST", `/users/me/goals/${encodeURIComponent(slug)}/datapoints/create_all.json`, body, retry);
  const list = Array.isArray(out) ? out : z.object({ successes: z.array(z.unknown()).default([]) }).loose().parse(out ?? {}).successes;
  const errs = !Array.isArray(out) && out && typeof out === "object" && "errors" in out ? (out as { errors: unknown[] }).errors : [];
  const saved = list
    .map((p) => returned.safeParse(p))
    .flatMap((p) => (p.success && p.data.requestid ? [{ requestid: p.data.requestid, id: p.data.id ?? null }] : []));
  return { saved, errors: (Array.isArray(errs) ? errs : [errs]).map((e) => safeReason(JSON.stringify(e), [token])) };
}
