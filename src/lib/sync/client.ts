import { and, eq } from "drizzle-orm";
import { ConnectionUnavailableError } from "@/lib/connections/errors";
import { backoffDelay, getValidTokens } from "@/lib/connections/tokens";
import type { Db } from "@/lib/db";
import { providerConnections, type ProviderConnection } from "@/lib/db/schema";
import type { PullProvider } from "@/lib/providers";
import {
  InvalidGrantError,
  ProviderRequestError,
  retryAfterMs,
  safeReason,
  TransientProviderError,
} from "@/lib/providers/shared/errors";
import { describeUrl, providerFetch, PROVIDER_TIMEOUT_MS } from "@/lib/providers/shared/http";
import { errorText, readJson } from "@/lib/providers/shared/oauth2";
import { NeedsReauthError, RescheduleError, SyncAbortedError } from "./errors";
import { blockBudget, takeBudget } from "./rate-budget";
import type { RequestSpec, SyncHttp } from "./types";

/**
 * The one way the sync engine talks to a provider's data API. Per request:
 * 1. a slot from the provider's shared budget (waits briefly, or reschedules the run);
 * 2. a valid access token (refreshed under the connection's row lock when it is about to expire);
 * 3. the call, through providerFetch (PROVIDER_ORIGIN_OVERRIDE, timeout);
 * 4. the answer: 429 (or Withings 601) blocks the budget until Retry-After and reschedules the run;
 *    5xx, timeouts, cut-off bodies retry with exponential backoff and full jitter, a bounded number
 *    of times; 401 refreshes the token once and retries, a second 401 marks the connection
 *    needs_reauth and stops the run; other 4xx are ProviderRequestErrors.
 */

export type SyncHttpOptions = {
  /** Tries for transient failures (5xx, timeouts, cut-off bodies). Default 5. */
  attempts?: number;
  /** First backoff step, doubling each retry with full jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap of one backoff wait. Default 10 s. */
  maxDelayMs?: number;
  /** One request, body included. Default PROVIDER_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Enforce the provider's budget (default true). */
  rateLimits?: boolean;
  /** A budget that frees up within this is waited for in place; later, the run is rescheduled. Default 15 s. */
  maxBudgetWaitMs?: number;
  /** Used when a 429 carries no Retry-After. Default 60 s. */
  defaultRetryAfterMs?: number;
  signal?: AbortSignal;
  /** Called before every request (the engine's heartbeat). */
  beforeRequest?: () => Promise<void>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => Date;
};

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SyncAbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new SyncAbortedError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const clock = (d: Date) => d.toISOString().slice(11, 16) + " UTC";

export class ProviderSyncHttp implements SyncHttp {
  /** Requests sent (every attempt counts). */
  requests = 0;
  private readonly name: string;
  private readonly o: Required<Omit<SyncHttpOptions, "signal" | "beforeRequest">> & Pick<SyncHttpOptions, "signal" | "beforeRequest">;

  constructor(
    private readonly db: Db,
    private readonly pull: PullProvider,
    private readonly connection: ProviderConnection,
    opts: SyncHttpOptions = {},
  ) {
    this.name = pull.name;
    this.o = {
      attempts: opts.attempts ?? 5,
      baseDelayMs: opts.baseDelayMs ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 10_000,
      timeoutMs: opts.timeoutMs ?? PROVIDER_TIMEOUT_MS,
      rateLimits: opts.rateLimits ?? true,
      maxBudgetWaitMs: opts.maxBudgetWaitMs ?? 15_000,
      defaultRetryAfterMs: opts.defaultRetryAfterMs ?? 60_000,
      signal: opts.signal,
      beforeRequest: opts.beforeRequest,
      sleep: opts.sleep ?? abortableSleep,
      now: opts.now ?? (() => new Date()),
    };
  }

  async json(url: string, spec: RequestSpec = {}): Promise<unknown> {
    const provider = this.pull.id;
    const what = spec.what ?? describeUrl(url);
    const target = new URL(url);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined && v !== null) target.searchParams.set(k, String(v));
    const form = spec.form
      ? new URLSearchParams(Object.entries(spec.form).filter((e): e is [string, string | number] => e[1] != null).map(([k, v]) => [k, String(v)]))
      : undefined;
    const jsonBody = spec.body === undefined ? undefined : JSON.stringify(spec.body);

    let refreshedFrom: string | null = null;
    let failures = 0;
    for (;;) {
      if (this.o.signal?.aborted) throw new SyncAbortedError();
      await this.o.beforeRequest?.();
      await this.takeSlot();
      const accessToken = await this.accessToken();

      const reqUrl = new URL(target);
      const headers = new Headers({ Accept: "application/json" });
      if (form) headers.set("Content-Type", "application/x-www-form-urlencoded");
      else if (jsonBody !== undefined) headers.set("Content-Type", "application/json");
      this.pull.fetcher.authorize({ url: reqUrl, headers }, accessToken, this.connection);

      let problem: { kind: "transient"; message: string; retryAfterMs?: number } | { kind: "unauthorized"; message: string } | null = null;
      try {
        this.requests++;
        const res = await providerFetch(reqUrl, {
          method: spec.method ?? (form || jsonBody !== undefined ? "POST" : "GET"),
          headers,
          body: form?.toString() ?? jsonBody,
          provider,
          timeoutMs: this.o.timeoutMs,
          signal: this.o.signal,
        });
        if (res.status === 429) {
          // Retry-After is the provider's instruction for this answer; usage headers only fill in.
          const headerWait = this.pull.fetcher.rateLimitHeaders?.(res.headers, this.o.now())?.exhaustedUntil;
          const fallback = headerWait ? headerWait.getTime() - this.o.now().getTime() : undefined;
          await res.body?.cancel().catch(() => undefined);
          await this.rateLimited(retryAfterMs(res.headers.get("retry-after")) ?? fallback, "HTTP 429");
        }
        await this.observeHeaders(res.headers);
        const parsed = await readJson(provider, res, what);
        const reason = () => safeReason(errorText(parsed.json), [accessToken]);

        if (res.status === 401) {
          problem = { kind: "unauthorized", message: `HTTP 401${reason() ? ` (${reason()})` : ""}` };
        } else if (res.status >= 500 || res.status === 408) {
          problem = { kind: "transient", message: `HTTP ${res.status}`, retryAfterMs: retryAfterMs(res.headers.get("retry-after")) };
        } else if (!res.ok) {
          throw new ProviderRequestError(
            provider,
            `${this.name} refused the ${what} request (HTTP ${res.status}${reason() ? `: ${reason()}` : ""})`,
            res.status,
          );
        } else {
          const verdict = this.pull.fetcher.checkBody?.(parsed.json) ?? { kind: "ok" as const };
          switch (verdict.kind) {
            case "ok":
              return parsed.json;
            case "rate_limited":
              await this.rateLimited(verdict.retryAfterMs, verdict.reason);
              break;
            case "unauthorized":
              problem = { kind: "unauthorized", message: verdict.reason };
              break;
            case "transient":
              problem = { kind: "transient", message: verdict.reason };
              break;
            case "invalid":
              throw new ProviderRequestError(provider, `${this.name} refused the ${what} request (${verdict.reason})`);
          }
        }
      } catch (error) {
        if (this.o.signal?.aborted) throw new SyncAbortedError();
        if (!(error instanceof TransientProviderError)) throw error;
        // timeouts, network errors, cut-off or unparsable bodies
        problem = { kind: "transient", message: error.message.replace(/^[a-z_]+: /, "") };
      }

      if (problem?.kind === "unauthorized") {
        if (refreshedFrom !== null) {
          await this.markNeedsReauth(`${this.name} refused access even after renewing the token (${problem.message}). Reconnect ${this.name} in Settings.`);
        }
        refreshedFrom = accessToken;
        // Nothing to renew with (API key, long-lived token) → InvalidGrantError → needs_reauth. COROS
        // may hand back the same token string with a new expiry, so the retry decides, not the string.
        await this.forceRefresh(accessToken);
        continue;
      }
      if (problem?.kind === "transient") {
        failures++;
        if (failures >= this.o.attempts) {
          throw new TransientProviderError(
            provider,
            `${this.name} did not answer the ${what} request properly after ${failures} attempts (last: ${problem.message})`,
          );
        }
        const wait = backoffDelay(failures, {
          baseDelayMs: this.o.baseDelayMs,
          maxDelayMs: this.o.maxDelayMs,
          retryAfterMs: problem.retryAfterMs,
        });
        await this.o.sleep(wait, this.o.signal);
      }
    }
  }

  private async takeSlot(): Promise<void> {
    if (!this.o.rateLimits) return;
    for (;;) {
      const now = this.o.now();
      const decision = await takeBudget(this.db, this.pull.id, this.connection.id, this.pull.fetcher.budget, now);
      if (decision.ok) return;
      const wait = decision.retryAt.getTime() - now.getTime();
      if (wait > this.o.maxBudgetWaitMs) {
        throw new RescheduleError(
          decision.retryAt,
          `${this.name}'s request budget is used up; the sync continues at ${clock(decision.retryAt)}`,
        );
      }
      await this.o.sleep(Math.max(wait, 0) + Math.floor(Math.random() * 250), this.o.signal);
    }
  }

  private async rateLimited(retryAfter: number | undefined, detail: string): Promise<never> {
    const now = this.o.now();
    const until = new Date(now.getTime() + (retryAfter ?? this.o.defaultRetryAfterMs));
    // Everyone (every process, every connection sharing the app budget) backs off, not just us.
    await blockBudget(this.db, this.pull.id, this.connection.id, this.pull.fetcher.budget, until, now);
    throw new RescheduleError(until, `${this.name} asked us to slow down (${detail}); the sync continues at ${clock(until)}`);
  }

  private async observeHeaders(headers: Headers): Promise<void> {
    const seen = this.pull.fetcher.rateLimitHeaders?.(headers, this.o.now());
    if (seen?.exhaustedUntil && this.o.rateLimits) {
      await blockBudget(this.db, this.pull.id, this.connection.id, this.pull.fetcher.budget, seen.exhaustedUntil, this.o.now());
    }
  }

  private async accessToken(): Promise<string> {
    try {
      return (await getValidTokens(this.db, this.connection.id)).accessToken;
    } catch (error) {
      throw this.translateTokenError(error);
    }
  }

  /** A token other than `stale`: refreshed now unless another worker already did. */
  private async forceRefresh(stale: string): Promise<string> {
    try {
      return (await getValidTokens(this.db, this.connection.id, { force: true, staleAccessToken: stale })).accessToken;
    } catch (error) {
      throw this.translateTokenError(error);
    }
  }

  private translateTokenError(error: unknown): unknown {
    if (error instanceof InvalidGrantError) {
      return new NeedsReauthError(this.pull.id, `${this.name} needs to be reconnected: ${error.reason}.`);
    }
    if (error instanceof ConnectionUnavailableError) {
      return new NeedsReauthError(
        this.pull.id,
        error.status === "needs_reauth"
          ? `${this.name} needs to be reconnected${error.lastError ? `: ${error.lastError}` : ""}`
          : `the ${this.name} connection is ${error.status}`,
      );
    }
    return error;
  }

  private async markNeedsReauth(message: string): Promise<never> {
    await this.db
      .update(providerConnections)
      .set({ status: "needs_reauth", lastError: message, updatedAt: this.o.now() })
      .where(and(eq(providerConnections.id, this.connection.id), eq(providerConnections.status, "active")));
    throw new NeedsReauthError(this.pull.id, message);
  }
}
