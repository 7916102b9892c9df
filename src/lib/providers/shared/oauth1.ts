import { createHmac, randomBytes } from "node:crypto";
import OAuth from "oauth-1.0a";

/**
 * OAuth 1.0a request signing (HMAC-SHA1, RFC 5849) with the `oauth-1.0a` package.
 *
 * The package has known base-string bugs (stack.md §6): query keys are not percent-decoded, a name
 * present in both query and body loses one value, `+` in a query is kept as a literal plus, and
 * `authorize()` mutates `request.data`. We never call `authorize()`; `assertSignable` refuses any
 * request that would hit the other three, so a wrong signature can't be produced silently.
 */

export type OAuth1Consumer = { key: string; secret: string };
export type OAuth1Token = { key: string; secret: string };

export type OAuth1Request = {
  consumer: OAuth1Consumer;
  token?: OAuth1Token;
  method: string;
  /** The REAL provider URL (signatures cover it); send the request to the rewritten one. */
  url: string;
  /** application/x-www-form-urlencoded body parameters, if any. */
  form?: Record<string, string>;
  /** Extra protocol parameters carried in the header: oauth_callback, oauth_verifier. */
  oauthParams?: Record<string, string>;
  /** Fixed values for test vectors; random/now otherwise. */
  nonce?: string;
  timestamp?: number;
  /** `oauth_version`; null leaves it out (it is optional in RFC 5849). */
  version?: "1.0" | null;
};

export class OAuth1SigningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OAuth1SigningError";
  }
}

const hmacSha1 = (base: string, key: string) => createHmac("sha1", key).update(base).digest("base64");

function client(consumer: OAuth1Consumer): OAuth {
  return new OAuth({ consumer, signature_method: "HMAC-SHA1", hash_function: hmacSha1 });
}

/** RFC 3986 unreserved characters: names made only of these need no decoding. */
const UNRESERVED = /^[A-Za-z0-9\-._~]+$/;

/** Throws when the request would trip one of the library's base-string bugs. */
export function assertSignable(req: Pick<OAuth1Request, "url" | "form" | "oauthParams">): void {
  const query = new URL(req.url).search.slice(1);
  if (query.includes("+")) throw new OAuth1SigningError("encode spaces in the query as %20, not +");
  const names = new Set<string>();
  const seen = (name: string, where: string) => {
    if (names.has(name)) throw new OAuth1SigningError(`parameter ${name} appears twice (${where})`);
  };
  const queryValues = new Map<string, string[]>();
  for (const pair of query ? query.split("&") : []) {
    const [name, value = ""] = pair.split("=");
    if (!UNRESERVED.test(name)) throw new OAuth1SigningError(`query parameter name ${JSON.stringify(name)} needs encoding`);
    queryValues.set(name, [...(queryValues.get(name) ?? []), value]);
  }
  for (const [name, values] of queryValues) {
    // The library drops an empty value when the name repeats.
    if (values.length > 1 && values.includes("")) throw new OAuth1SigningError(`repeated query parameter ${name} has an empty value`);
    names.add(name);
  }
  for (const name of Object.keys(req.form ?? {})) {
    seen(name, "query and body");
    names.add(name);
  }
  for (const name of Object.keys(req.oauthParams ?? {})) {
    if (!name.startsWith("oauth_")) throw new OAuth1SigningError(`${name} is not an oauth_ protocol parameter`);
    seen(name, "protocol and request");
  }
}

/** Scheme and host lowercased, default port dropped, fragment removed (RFC 5849 §3.4.1.2). */
function normalizeUrl(url: string): string {
  const u = new URL(url);
  u.hash = "";
  return u.href;
}

/** Protocol parameters without the signature. */
function protocolParams(req: OAuth1Request): Record<string, string> {
  return {
    oauth_consumer_key: req.consumer.key,
    oauth_nonce: req.nonce ?? randomBytes(16).toString("hex"),
    oauth_signature_method: "HMAC-SHA1",
    oauth_timestamp: String(req.timestamp ?? Math.floor(Date.now() / 1000)),
    ...(req.version === null ? {} : { oauth_version: req.version ?? "1.0" }),
    ...(req.token ? { oauth_token: req.token.key } : {}),
    ...req.oauthParams,
  };
}

// The library merges request data and query into the objects it is given: always hand it copies.
const libraryRequest = (req: OAuth1Request) => ({ url: normalizeUrl(req.url), method: req.method.toUpperCase(), data: { ...req.form } });

/** The signed protocol parameters, signature included. */
export function signOAuth1(req: OAuth1Request): Record<string, string> {
  assertSignable(req);
  const params = protocolParams(req);
  const signature = client(req.consumer).getSignature(libraryRequest(req), req.token?.secret, { ...params } as unknown as OAuth.Data);
  return { ...params, oauth_signature: signature };
}

/** `Authorization: OAuth …` header value for a request. */
export function oauth1Header(req: OAuth1Request): string {
  const signed = signOAuth1(req);
  return client(req.consumer).toHeader(signed as unknown as OAuth.Authorization).Authorization;
}

/** Base string as the library builds it (for tests and debugging; contains no secrets). */
export function oauth1BaseString(req: OAuth1Request & { nonce: string; timestamp: number }): string {
  assertSignable(req);
  return client(req.consumer).getBaseString(libraryRequest(req), { ...protocolParams(req) } as unknown as OAuth.Data);
}

/** Parses an `application/x-www-form-urlencoded` token response (`oauth_token=…&oauth_token_secret=…`). */
export function parseTokenResponse(body: string): OAuth1Token {
  const params = new URLSearchParams(body.trim());
  const key = params.get("oauth_token");
  const secret = params.get("oauth_token_secret");
  if (!key || !secret) throw new OAuth1SigningError("token response lacks oauth_token/oauth_token_secret");
  return { key, secret };
}
