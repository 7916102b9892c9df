/**
 * The provider contract. Each provider is one definition object in `src/lib/providers/<id>.ts`,
 * listed in the registry (`index.ts`). Route handlers, the sync engine and the settings page only
 * ever talk to these definitions.
 */

export const PROVIDER_IDS = [
  "strava",
  "garmin",
  "oura",
  "whoop",
  "fitbit",
  "polar",
  "coros",
  "withings",
  "hevy",
  "eightsleep",
  "apple_health",
  "health_connect",
] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

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

export type ProviderDefinition = {
  id: ProviderId;
  name: string;
  authKind: AuthKind;
  dataTypes: DataType[];
  /** Environment variable sets; the provider is configured when every variable of one set is present. */
  credentialVars: string[][];
  /** Where an operator registers an app and gets credentials. */
  credentialsUrl?: string;
  /** Status notes shown on the settings card (deprecations, approval limits). */
  notice?: string;
  oauth2?: OAuth2Flow;
  oauth1?: OAuth1Flow;
  apiKey?: ApiKeyFlow;
  password?: PasswordFlow;
};
