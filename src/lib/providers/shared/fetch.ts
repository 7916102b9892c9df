import type { ProviderConnection } from "@/lib/db/schema";
import { ProviderRequestError } from "@/lib/providers/shared/errors";
import type { BudgetWindow } from "@/lib/sync/rate-budget";
import type { FeedResource, FetchContext, Page } from "@/lib/sync/types";

/** Small helpers shared by the fetcher files. */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export const bearer = (req: { headers: Headers }, token: string) => req.headers.set("Authorization", `Bearer ${token}`);

/** YYYY-MM-DD of an instant in UTC. */
export const ymd = (d: Date) => d.toISOString().slice(0, 10);
/** The last UTC day a window [from, to) touches (its end is exclusive). */
export const lastDay = (to: Date) => ymd(new Date(to.getTime() - 1));
export const epochS = (d: Date) => Math.floor(d.getTime() / 1000);

export const perWindow = (name: string, ms: number, limit: number, scope: BudgetWindow["scope"] = "app"): BudgetWindow => ({
  name,
  ms,
  limit,
  scope,
});

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `json[key]` when it is an array; a missing key is an empty page, anything else a broken answer. */
export function listOf(provider: string, json: unknown, key: string, what: string): unknown[] {
  if (Array.isArray(json) && key === "") return json;
  if (!isObject(json)) throw new ProviderRequestError(provider, `${provider}: ${what}: unexpected response (not a JSON object)`);
  const v = json[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ProviderRequestError(provider, `${provider}: ${what}: unexpected response (${key} is not a list)`);
  return v;
}

export function stringAt(json: unknown, key: string): string | undefined {
  if (!isObject(json)) return undefined;
  const v = json[key];
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
}

/** The provider user id stored at connect time (COROS openId, Eight Sleep user id…). */
export function providerUserIdOf(connection: ProviderConnection, provider: string): string {
  if (!connection.providerUserId) {
    throw new ProviderRequestError(provider, `${provider}: the connection has no provider user id; reconnect it`);
  }
  return connection.providerUserId;
}

/**
 * A resource without a time filter that the provider serves whole (Polar's last-28-days lists,
 * WHOOP's body snapshot): each run reads it again; the upsert keeps what did not change.
 */
export function snapshot<R extends string>(
  resource: R,
  label: string,
  read: (ctx: FetchContext) => Promise<unknown[]>,
  extra: { maxHistoryDays?: number } = {},
): FeedResource<R> {
  async function* once(ctx: FetchContext): AsyncIterable<Page> {
    const records = await read(ctx);
    if (records.length) yield { records };
  }
  return {
    kind: "feed",
    resource,
    label,
    overlapMs: 0,
    ...extra,
    async *backfill(ctx) {
      const records = await read(ctx);
      yield { records, next: null, fraction: 1 };
    },
    fetchChanges: once,
  };
}
