import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The simulator's own OAuth 1.0a (RFC 5849, HMAC-SHA1) verifier. Written from the RFC and
 * deliberately independent of the app's signer (no `oauth-1.0a` package), so a signing bug in the
 * app shows up as a 401 here instead of being mirrored.
 */

/** RFC 3986 percent-encoding: everything but ALPHA / DIGIT / "-" / "." / "_" / "~" (§3.6). */
export function rfc3986(value: string): string {
  return Array.from(Buffer.from(value, "utf8"))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

/** Form-urlencoded pairs (`+` is a space), repeated names kept (§3.4.1.3.1). */
export function formPairs(encoded: string): Array<[string, string]> {
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
  return encoded
    .split("&")
    .filter(Boolean)
    .map((part) => {
      const i = part.indexOf("=");
      return i < 0 ? [decode(part), ""] : [decode(part.slice(0, i)), decode(part.slice(i + 1))];
    });
}

/** Parses `Authorization: OAuth k="v", …` (§3.5.1); null when it is not an OAuth header. */
export function parseOAuthHeader(header: string | undefined): Map<string, string> | null {
  if (!header || !/^OAuth\s/i.test(header)) return null;
  const params = new Map<string, string>();
  const re = /([A-Za-z0-9_\-.~%]+)\s*=\s*"([^"]*)"/g;
  for (const m of header.slice(6).matchAll(re)) {
    const name = decodeURIComponent(m[1]);
    if (params.has(name)) return null; // a repeated protocol parameter is malformed
    params.set(name, decodeURIComponent(m[2]));
  }
  return params;
}

/** Base string URI: lowercase scheme and host, no default port, no query or fragment (§3.4.1.2). */
export function baseStringUri(url: string): string {
  const u = new URL(url);
  const port = u.port && !((u.protocol === "http:" && u.port === "80") || (u.protocol === "https:" && u.port === "443")) ? `:${u.port}` : "";
  return `${u.protocol.toLowerCase()}//${u.hostname.toLowerCase()}${port}${u.pathname}`;
}

/** Signature base string (§3.4.1): pairs are the decoded query, body and protocol parameters. */
export function signatureBaseString(method: string, url: string, pairs: Array<[string, string]>): string {
  const normalized = pairs
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  return [method.toUpperCase(), rfc3986(baseStringUri(url)), rfc3986(normalized)].join("&");
}

export function hmacSha1Signature(base: string, consumerSecret: string, tokenSecret = ""): string {
  return createHmac("sha1", `${rfc3986(consumerSecret)}&${rfc3986(tokenSecret)}`).update(base).digest("base64");
}

export type OAuth1Check = {
  method: string;
  /** The real provider URL including the query, e.g. https://apis.garmin.com/…?a=1 */
  url: string;
  authorization: string | undefined;
  /** Raw body when it is application/x-www-form-urlencoded (it is then signed). */
  formBody?: string;
  consumerSecret(consumerKey: string): string | undefined;
  /** Secret of a request or access token; undefined = unknown token. */
  tokenSecret?(token: string): string | undefined;
  requireToken: boolean;
  nonces: NonceStore;
  nowSeconds?: number;
  windowSeconds?: number;
};

export type OAuth1Result =
  | { ok: true; params: Map<string, string>; consumerKey: string; token?: string }
  | { ok: false; reason: string };

/** Remembers nonces per consumer for the timestamp window, so a replayed request is refused. */
export class NonceStore {
  private seen = new Map<string, number>();
  constructor(private readonly ttlSeconds = 600) {}
  /** False when the nonce was already used by this consumer (stricter than RFC 5849's per-timestamp rule). */
  use(key: string, nowSeconds: number): boolean {
    for (const [k, expires] of this.seen) if (expires < nowSeconds) this.seen.delete(k);
    if (this.seen.has(key)) return false;
    this.seen.set(key, nowSeconds + this.ttlSeconds);
    return true;
  }
}

export function verifyOAuth1(check: OAuth1Check): OAuth1Result {
  const header = parseOAuthHeader(check.authorization);
  if (!header) return { ok: false, reason: "missing OAuth Authorization header" };
  const consumerKey = header.get("oauth_consumer_key");
  const signature = header.get("oauth_signature");
  const nonce = header.get("oauth_nonce");
  const timestamp = header.get("oauth_timestamp");
  if (!consumerKey || !signature || !nonce || !timestamp) return { ok: false, reason: "missing oauth parameter" };
  if (header.get("oauth_signature_method") !== "HMAC-SHA1") return { ok: false, reason: "unsupported signature method" };
  const version = header.get("oauth_version");
  if (version !== undefined && version !== "1.0") return { ok: false, reason: "unsupported oauth_version" };

  const consumerSecret = check.consumerSecret(consumerKey);
  if (consumerSecret === undefined) return { ok: false, reason: "unknown consumer key" };
  const token = header.get("oauth_token");
  if (check.requireToken && !token) return { ok: false, reason: "missing oauth_token" };
  let tokenSecret = "";
  if (token) {
    const secret = check.tokenSecret?.(token);
    if (secret === undefined) return { ok: false, reason: "unknown or revoked token" };
    tokenSecret = secret;
  }

  const now = check.nowSeconds ?? Math.floor(Date.now() / 1000);
  const window = check.windowSeconds ?? 300;
  if (!/^\d+$/.test(timestamp) || Math.abs(now - Number(timestamp)) > window)
    return { ok: false, reason: "timestamp outside the allowed window" };

  const u = new URL(check.url);
  const pairs: Array<[string, string]> = [
    ...formPairs(u.search.slice(1)),
    ...(check.formBody ? formPairs(check.formBody) : []),
    ...[...header].filter(([k]) => k !== "realm" && k !== "oauth_signature"),
  ];
  const expected = hmacSha1Signature(signatureBaseString(check.method, check.url, pairs), consumerSecret, tokenSecret);
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: "invalid signature" };

  // Only a correctly signed request consumes its nonce (an attacker can't burn nonces).
  if (!check.nonces.use(`${consumerKey}|${nonce}`, now))
    return { ok: false, reason: "nonce already used" };
  return { ok: true, params: header, consumerKey, token };
}
