/**
 * Typed errors for every call to a provider. Callers decide by class, never by message:
 * - InvalidGrantError: the grant is dead (invalid_grant, 401 on refresh, Withings auth statuses)
 *   → the connection needs the user to reconnect.
 * - TransientProviderError: worth retrying later (5xx, 429, timeouts, network, truncated/invalid JSON).
 * - ProviderRequestError: any other refusal (4xx); retrying the same request won't help.
 *
 * Messages are built only from our own words plus the provider's error text passed through
 * `safeReason`, which strips known secrets and anything token-shaped, so a message can be logged,
 * stored in `last_error` and shown to the user.
 */

export class ProviderError extends Error {
  constructor(
    /** Provider id, e.g. "strava". */
    readonly provider: string,
    message: string,
    /** HTTP status when there was a response. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

export class InvalidGrantError extends ProviderError {
  constructor(
    provider: string,
    /** Short, secret-free reason, e.g. "invalid_grant: Refresh token invalid". */
    readonly reason: string,
    status?: number,
  ) {
    super(provider, `${provider} refused the authorization (${reason}); the account must be reconnected`, status);
    this.name = "InvalidGrantError";
  }
}

export class TransientProviderError extends ProviderError {
  constructor(
    provider: string,
    message: string,
    status?: number,
    /** From Retry-After (or a provider equivalent), when given. */
    readonly retryAfterMs?: number,
  ) {
    super(provider, message, status);
    this.name = "TransientProviderError";
  }
}

export class ProviderRequestError extends ProviderError {
  constructor(provider: string, message: string, status?: number) {
    super(provider, message, status);
    this.name = "ProviderRequestError";
  }
}

/** The provider refused what the user typed (Hevy API key, Eight Sleep e-mail/password); the message is for the user. */
export class CredentialsRejectedError extends ProviderRequestError {
  constructor(provider: string, message: string, status?: number) {
    super(provider, message, status);
    this.name = "CredentialsRejectedError";
  }
}

/** `<PROVIDER>_CLIENT_ID` / `_CLIENT_SECRET` are missing. */
export class ProviderNotConfiguredError extends Error {
  constructor(readonly provider: string, readonly missing: string[]) {
    super(`${provider} is not configured on this server: set ${missing.join(" and ")}`);
    this.name = "ProviderNotConfiguredError";
  }
}

const MAX_REASON = 200;
/** Opaque runs this long look like tokens/codes/ids; provider prose has no such words. */
const TOKEN_SHAPED = /[A-Za-z0-9._~+/=-]{24,}/g;

/**
 * A provider's error text made safe to show and store: known secret values and token-shaped runs
 * are replaced, whitespace collapsed, length capped. (Some providers echo the refresh token back,
 * as in "Refresh token invalid: <token>".)
 */
export function safeReason(text: unknown, secrets: Array<string | null | undefined> = []): string {
  let s = typeof text === "string" ? text : text == null ? "" : String(text);
  for (const secret of secrets) {
    if (secret && secret.length >= 4) s = s.split(secret).join("[redacted]");
  }
  // SCREAMING_CASE error reasons (Google's ACCESS_TOKEN_SCOPE_INSUFFICIENT) are words, not secrets.
  s = s.replace(TOKEN_SHAPED, (run) => (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(run) ? run : "[redacted]")).replace(/\s+/g, " ").trim();
  return s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s;
}

/** Milliseconds from a Retry-After header (seconds or HTTP date); undefined when absent/unparsable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
