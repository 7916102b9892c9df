import { env, providerVar } from "@/lib/env";
import { ProviderNotConfiguredError, TransientProviderError } from "./errors";
import type { ProviderContext, ProviderDefinition, ProviderId } from "../types";

/**
 * Every HTTP call to a provider goes through here. With PROVIDER_ORIGIN_OVERRIDE set (e.g. the
 * simulator at http://127.0.0.1:4010), `https://<host>/<path>` becomes `<override>/<host>/<path>`,
 * for server calls and browser redirects alike. Anything that signs a request (OAuth 1.0a, Withings)
 * signs over the REAL url and then passes that real url here: the rewrite happens last.
 */

/** Upper bound for one provider request, body included. */
export const PROVIDER_TIMEOUT_MS = 15_000;

/** The url to actually contact: rewritten under PROVIDER_ORIGIN_OVERRIDE when that is set. */
export function routeUrl(url: string | URL, override: string | undefined = env().PROVIDER_ORIGIN_OVERRIDE): string {
  const u = new URL(url);
  if (!override || u.protocol !== "https:") return u.toString();
  return `${override.replace(/\/+$/, "")}/${u.host}${u.pathname}${u.search}`;
}

/** host + path, never the query (it may carry tokens, e.g. Oura revoke, COROS data calls). */
export function describeUrl(url: string | URL): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

export type ProviderFetchInit = RequestInit & {
  timeoutMs?: number;
  /** Provider id, for error messages. */
  provider?: string;
};

/**
 * fetch + origin rewrite + timeout. Network failures and timeouts become TransientProviderError
 * (message names host and path only). HTTP error statuses are returned as responses, as fetch does.
 */
export async function providerFetch(input: string | URL | Request, init: ProviderFetchInit = {}): Promise<Response> {
  const { timeoutMs = PROVIDER_TIMEOUT_MS, provider = "provider", ...rest } = init;
  const realUrl = input instanceof Request ? input.url : input.toString();
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = rest.signal ? AbortSignal.any([rest.signal, timeout]) : timeout;
  const target = input instanceof Request ? new Request(routeUrl(input.url), input) : routeUrl(input);
  try {
    return await fetch(target, { ...rest, signal });
  } catch (error) {
    if (rest.signal?.aborted) throw error; // the caller cancelled: not ours to reclassify
    const what = timeout.aborted ? `timed out after ${timeoutMs} ms` : "failed (network error)";
    throw new TransientProviderError(provider, `${provider}: request to ${describeUrl(realUrl)} ${what}`);
  }
}

/** Env var names for a provider's OAuth client: `<ID>_CLIENT_ID` / `<ID>_CLIENT_SECRET`. */
export function clientVars(id: string): { idVar: string; secretVar: string } {
  const prefix = id.toUpperCase();
  return { idVar: `${prefix}_CLIENT_ID`, secretVar: `${prefix}_CLIENT_SECRET` };
}

/**
 * Builds the context provider functions run with. Throws ProviderNotConfiguredError when the
 * client id/secret are missing. `idVar`/`secretVar` let a provider use other names (Garmin OAuth 1.0a
 * consumer key); `userId` is the Healthbridge user the calls are made for, when there is one.
 */
export function providerContext(
  provider: ProviderDefinition | ProviderId | string,
  opts: { userId?: string; idVar?: string; secretVar?: string; timeoutMs?: number } = {},
): ProviderContext {
  const id = typeof provider === "string" ? provider : provider.id;
  const defaults = clientVars(id);
  const idVar = opts.idVar ?? defaults.idVar;
  const secretVar = opts.secretVar ?? defaults.secretVar;
  const clientId = providerVar(idVar);
  const clientSecret = providerVar(secretVar);
  if (!clientId || !clientSecret) {
    throw new ProviderNotConfiguredError(id, [!clientId && idVar, !clientSecret && secretVar].filter(Boolean) as string[]);
  }
  const appUrl = env().APP_URL.replace(/\/+$/, "");
  const boundFetch = ((input: string | URL | Request, init?: RequestInit) =>
    providerFetch(input, { ...init, provider: id, timeoutMs: opts.timeoutMs })) as typeof fetch;
  return {
    fetch: boundFetch,
    clientId,
    clientSecret,
    redirectUri: `${appUrl}/api/oauth/callback`,
    appUrl,
    providerId: id,
    userId: opts.userId,
  };
}
