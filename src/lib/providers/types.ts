import type { NormalizedBatch } from "@/lib/normalize/types";
import type { ProviderFetcher } from "@/lib/sync/types";
import type { Transform } from "./shared/transform-types";

/**
 * The provider contract. Each provider is one folder `src/lib/providers/<id>/` whose `index.ts`
 * exports its definition, listed once in the registry (`../index.ts`). Route handlers, the sync engine and the settings page only
 * ever talk to these definitions.
 */

export { PROVIDER_IDS, type ProviderId } from "./ids";
import type { ProviderId } from "./ids";

export type AuthKind = "oauth2" | "oauth1" | "api_key" | "password" | "bridge";
export type DataType = "activities" | "sleep" | "daily" | "body" | "heart_rate";

/** What a successful connect/refresh yields. Secrets here are plaintext and must only be stored sealed. */
export type TokenSet = {
  accessToken: string;
  refreshToken?: string | null;
  /** OAuth 1.0a token secret. */
  tokenSecret?: string | null;
  expiresAt?: Date | null;
  scopes?: string[];
  providerUserId?: string | null;
  displayName?: string | null;
  /** Non-secret extras kept in provider_connection.meta (e.g. Polar member id). */
  meta?: Record<string, unknown>;
};

/** Everything a provider function needs from the app; `fetch` already honours PROVIDER_ORIGIN_OVERRIDE. */
export type ProviderContext = {
  fetch: typeof fetch;
  clientId: string;
  clientSecret: string;
  /** `<APP_URL>/api/oauth/callback` */
  redirectUri: string;
  appUrl: string;
  /** Provider id, for error messages (set by `providerContext`). */
  providerId?: string;
  /** The Healthbridge user the calls are made for, when known (e.g. Polar's member-id). */
  userId?: string;
};

export interface OAuth2Flow {
  kind: "oauth2";
  scopes: string[];
  pkce: boolean;
  authorizeUrl(ctx: ProviderContext, args: { state: string; codeChallenge?: string }): string;
  /** `query` = every parameter of the callback request, for providers that put data there (Strava `scope`). */
  exchangeCode(
    ctx: ProviderContext,
    args: { code: string; codeVerifier?: string; query?: Record<string, string> },
  ): Promise<TokenSet>;
  /** Absent when the provider has no refresh (long-lived tokens). */
  refresh?(ctx: ProviderContext, current: TokenSet): Promise<TokenSet>;
  revoke?(ctx: ProviderContext, tokens: TokenSet): Promise<void>;
  /** Steps after the exchange (Polar user registration, Withings notify subscribe…). */
  onConnected?(ctx: ProviderContext, tokens: TokenSet): Promise<TokenSet | void>;
}

/** OAuth 1.0a (RFC 5849) three-legged flow; `ctx.clientId`/`clientSecret` hold the consumer key/secret. */
export interface OAuth1Flow {
  kind: "oauth1";
  /** Env vars of the consumer key/secret (passed to `providerContext` as idVar/secretVar). */
  consumerVars: { key: string; secret: string };
  /** Temporary credentials, with `ctx.redirectUri` as oauth_callback. */
  requestToken(ctx: ProviderContext): Promise<{ key: string; secret: string }>;
  /** Where the browser goes to approve (the REAL provider url). */
  authorizeUrl(ctx: ProviderContext, requestToken: string): string;
  exchangeVerifier(ctx: ProviderContext, requestToken: { key: string; secret: string }, verifier: string): Promise<TokenSet>;
  onConnected?(ctx: ProviderContext, tokens: TokenSet): Promise<TokenSet | void>;
  revoke?(ctx: ProviderContext, tokens: TokenSet): Promise<void>;
}

/** A personal API key pasted by the user (Hevy): verified with one real call, stored sealed as the access token. */
export interface ApiKeyFlow {
  kind: "api_key";
  /** Throws CredentialsRejectedError when the provider refuses the key. */
  verify(ctx: ProviderContext, apiKey: string): Promise<TokenSet>;
}

/** Account sign-in (Eight Sleep): the password is exchanged for tokens once and never stored. */
export interface PasswordFlow {
  kind: "password";
  /** Throws CredentialsRejectedError when the provider refuses the e-mail/password. */
  login(ctx: ProviderContext, credentials: { email: string; password: string }): Promise<TokenSet>;
  /** Absent or throwing InvalidGrantError → the connection needs the password again (needs_reauth). */
  refresh?(ctx: ProviderContext, current: TokenSet): Promise<TokenSet>;
}

// ───────────────────────── webhooks (provider push) ─────────────────────────

/** An inbound webhook request, read once. Signatures are checked over `rawBody` exactly as received. */
export type WebhookRequest = {
  method: string;
  url: URL;
  headers: Headers;
  rawBody: Buffer;
  receivedAt: Date;
};

/** Reads a provider variable (client secret, verify token…); undefined when unset. */
export type WebhookSecrets = (name: string) => string | undefined;

export type WebhookReply = { status: number; body?: unknown };

/** `reason` is for the operator (stored on the rejected webhook_event row), never for the caller. */
export type WebhookVerdict = { ok: true } | { ok: false; reason: string };

/** What a notice asks the app to do, once it is stored and acknowledged. */
export type WebhookAction =
  /** Narrow sync of these resources over [from, to) (ISO instants). */
  | { kind: "sync"; resources: string[]; from: string; to: string }
  /** The notice names one object: ask the provider where it lies in time, then narrow-sync that window. */
  | { kind: "lookup"; resources: string[]; objectId: string; objectType?: string }
  /**
   * The provider deleted a record: mark ours deleted (user, provider, external id). `confirm`: the
   * notice is unsigned, so the record must first be gone at the provider (`confirmGone`).
   */
  | { kind: "delete"; table: "activity" | "sleep_session"; externalId: string; objectId?: string; confirm?: boolean }
  /** The user took the app's access away at the provider. `confirm`: unsigned, so the token must really fail (`confirmRevoked`). */
  | { kind: "revoke"; reason: string; confirm?: boolean }
  /** The body carries the records themselves (Garmin push). */
  | { kind: "records"; resource: string; records: unknown[] }
  /** The body carries a url to fetch the records from with the connection's credentials (Garmin ping). */
  | { kind: "pull"; resource: string; url: string }
  /** The user changed what the app may read (Garmin); with `fetchPermissions` the provider's own answer is stored, not the notice's list. */
  | { kind: "permissions"; permissions: string[] }
  | { kind: "none"; reason: string };

export type WebhookNotice = {
  /** The provider's id of the user (matched to provider_connection.provider_user_id). */
  providerUserId: string;
  /** Derived from the content: the same notice always gets the same key. */
  dedupeKey: string;
  /**
   * "event": the notice names one change (it carries an event time or id), so a replay is dropped
   * for good. "state": it only says "something changed here" (Withings: appli + time window), so an
   * identical notice is a duplicate only while the first still waits; once that one is being
   * processed, a new identical notice may mean new data and is kept.
   */
  replay: "event" | "state";
  /** This notice alone, as a body the provider could have sent: stored, and parsed again to process it. */
  body: string;
  action: WebhookAction;
  /** Provider-specific facts `accepts` checks against the connection (Withings appli, Garmin token). */
  facts?: Record<string, string | number>;
};

/** The connection a notice was matched to, as `accepts` sees it. */
export type WebhookConnection = { authKind: string; meta: Record<string, unknown>; accessToken: () => string };

export interface WebhookSpec {
  /** Status of an accepted notice (Google Health wants 204). */
  ackStatus: number;
  /** Body of the acknowledgement, when the provider expects one (COROS). */
  ackBody?: unknown;
  /** Status of a notice that fails verification (Strava gets 403). */
  rejectStatus: number;
  /** The provider's deadline for the acknowledgement; processing never happens before it. */
  deadlineMs: number;
  /** The provider's own headers kept on a stored event for the operator (signatures, timestamps, client ids). */
  keptHeaders?: string[];
  /** Largest body accepted (Garmin pushes can be large). Default 1 MiB. */
  maxBodyBytes?: number;
  /** Answers subscription handshakes (GET challenges, Polar's unsigned PING); null = not a handshake. */
  handshake?(req: WebhookRequest, secrets: WebhookSecrets): WebhookReply | null;
  /** Loads what `verify` needs and may have to fetch (Google Health's published key set); runs first. */
  prepare?(req: WebhookRequest, secrets: WebhookSecrets): Promise<void>;
  /** Checks the raw request (signature, shared-secret headers) before anything in it is trusted. */
  verify(req: WebhookRequest, secrets: WebhookSecrets): WebhookVerdict;
  /** Splits a verified body into notices. Throws WebhookParseError on a malformed body. */
  parse(req: Pick<WebhookRequest, "rawBody" | "headers">): WebhookNotice[];
  /** Further checks against the matched connection; returns why the notice is refused, or undefined. */
  accepts?(notice: WebhookNotice, connection: WebhookConnection): string | undefined;
  /** For a confirmed "delete": true when the object is really gone at the provider (asked with the user's token). */
  confirmGone?(ctx: ProviderContext, tokens: TokenSet, action: Extract<WebhookAction, { kind: "delete" }>): Promise<boolean>;
  /**
   * For a confirmed "revoke": one cheap call with the user's token; true when the provider refuses
   * the token (401 / invalid token), false when it still answers. Transient failures throw.
   */
  confirmRevoked?(ctx: ProviderContext, tokens: TokenSet): Promise<boolean>;
  /** For "permissions": what the provider itself says the user grants now. */
  fetchPermissions?(ctx: ProviderContext, tokens: TokenSet): Promise<string[]>;
  /** For "lookup": the window holding the object (asked with the user's token); null = it is gone. */
  lookup?(ctx: ProviderContext, tokens: TokenSet, action: Extract<WebhookAction, { kind: "lookup" }>): Promise<{ from: Date; to: Date } | null>;
  /** For "records" and "pull": the provider's records as normalized rows (no user id yet). */
  normalize?(resource: string, records: unknown[]): { batch: NormalizedBatch; skipped?: unknown[] };
  /** Push-only providers (Garmin): after a connect, asks the provider to push the user's last `days` of history. */
  backfill?: { days: number; request(ctx: ProviderContext, tokens: TokenSet, window: { from: Date; to: Date }): Promise<number> };
  /** For "pull": fetches the records behind a ping url with the connection's credentials. */
  pull?(ctx: ProviderContext, tokens: TokenSet, action: Extract<WebhookAction, { kind: "pull" }>): Promise<unknown[]>;
}

export type SubscribeMode = "create" | "list" | "delete";

export type WebhookSubscriptions =
  /** Per-app subscriptions through the provider's API; `out` collects what was done, for the operator. */
  | { kind: "api"; manage(ctx: ProviderContext, mode: SubscribeMode, callbackUrl: string, out: string[]): Promise<void> }
  /** Set by hand (a dashboard, or per user on connect): what to tell the operator. */
  | { kind: "manual"; instructions(callbackUrl: string): string[] };

/** A verified body that cannot be read as the provider's notice format. */
export class WebhookParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookParseError";
  }
}

/** The pull side of a provider: its fetcher, and a transform for every resource it fetches. */
export type PullSide<R extends string = string> = {
  fetcher: ProviderFetcher<R>;
  transforms: Record<R, Transform>;
};

/**
 * Pairs a fetcher with its transforms. The fetcher may only name resources (and page transforms)
 * that `transforms` has, so a resource without a transform is a compile error.
 */
export function pullSide<T extends Record<string, Transform>>(transforms: T, fetcher: ProviderFetcher<Extract<keyof T, string>>): PullSide {
  return { fetcher, transforms } as PullSide;
}

type ProviderBase = {
  id: ProviderId;
  name: string;
  dataTypes: DataType[];
  /** Environment variable sets; the provider is configured when every variable of one set is present. */
  credentialVars: string[][];
  /** Where an operator registers an app and gets credentials. */
  credentialsUrl?: string;
  /** Status notes shown on the settings card (deprecations, approval limits). */
  notice?: string;
  /** Something about one connection that reconnecting fixes (e.g. scopes the user did not grant): shown on its card beside a Reconnect link. */
  connectionNotice?(connection: { scopes: string[]; meta: Record<string, unknown> }): string | undefined;
  /** Data the app pulls (the sync engine); absent for push-only providers and phone bridges. */
  pull?: PullSide;
  /** Provider push (`/api/webhooks/<id>`), in the provider's `webhook.ts`. */
  webhook?: WebhookSpec;
  /** How the app's push subscription is set up: by API (`npm run webhooks:subscribe`) or by hand. */
  subscriptions?: WebhookSubscriptions;
};

/** One provider, by how a user connects it; each kind carries exactly the flow it needs. */
export type ProviderDefinition =
  /** OAuth 2.0; Garmin also offers OAuth 1.0a, chosen by the credentials the operator set. */
  | (ProviderBase & { authKind: "oauth2"; oauth2: OAuth2Flow; oauth1?: OAuth1Flow })
  | (ProviderBase & { authKind: "api_key"; apiKey: ApiKeyFlow })
  | (ProviderBase & { authKind: "password"; password: PasswordFlow })
  /** Phone bridges push to `/api/webhooks/ingest` with an API key. */
  | (ProviderBase & { authKind: "bridge" })
  /** The provider's API is switched off: no flow, no pull, no push; stored connections and data stay. */
  | (ProviderBase & { authKind: "retired"; retired: Retirement });

/** Why and since when a provider's API is gone, and which provider replaces it. */
export type Retirement = {
  /** Day the provider switched the API off (YYYY-MM-DD). */
  since: string;
  successor: ProviderId;
  /** What was switched off, for people: "Fitbit's old Web API". */
  what: string;
};

/** How a provider is connected: a connection's kind, or "retired" for one that takes no connections. */
export type DefinitionKind = ProviderDefinition["authKind"];

/** The OAuth 1.0a flow of a provider that has one (Garmin). */
export const oauth1Of = (def: ProviderDefinition): OAuth1Flow | undefined => (def.authKind === "oauth2" ? def.oauth1 : undefined);
/** The OAuth 2.0 flow of a provider that has one. */
export const oauth2Of = (def: ProviderDefinition): OAuth2Flow | undefined => (def.authKind === "oauth2" ? def.oauth2 : undefined);
