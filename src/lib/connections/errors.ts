/** Typed errors of the connect / token / disconnect flows; route handlers map them to HTTP. */

export type OAuthStateProblem = "unknown" | "expired" | "used" | "wrong_user";

const STATE_MESSAGES: Record<OAuthStateProblem, string> = {
  unknown: "This sign-in link is not valid (unknown or missing state). Start the connection again from Settings.",
  expired: "This connection attempt expired (after 10 minutes). Start it again from Settings.",
  used: "This connection link was already used. Start the connection again from Settings.",
  wrong_user: "This connection was started by a different account. Sign in as that account, or start again from Settings.",
};

/** The callback's `state` is unknown, expired, already used, or belongs to another user. */
export class OAuthStateError extends Error {
  constructor(readonly problem: OAuthStateProblem) {
    super(STATE_MESSAGES[problem]);
    this.name = "OAuthStateError";
  }
}

/** The provider account is already linked to another Healthbridge user; it is never moved. */
export class AccountLinkedElsewhereError extends Error {
  constructor(readonly provider: string, providerName = provider) {
    super(
      `This ${providerName} account is already connected to another Healthbridge user. Disconnect it there first, or sign in to ${providerName} with a different account.`,
    );
    this.name = "AccountLinkedElsewhereError";
  }
}

/** The user declined at the provider, or the provider sent an error instead of a code. */
export class ProviderDeniedError extends Error {
  constructor(readonly provider: string, readonly reason: string) {
    super(reason);
    this.name = "ProviderDeniedError";
  }
}

export class UnknownProviderError extends Error {
  constructor(readonly provider: string) {
    super("Unknown provider");
    this.name = "UnknownProviderError";
  }
}

/** The provider exists but is not connected through OAuth 2.0 (API key, password, bridge…). */
export class NotOAuthProviderError extends Error {
  constructor(readonly provider: string, providerName = provider) {
    super(`${providerName} is not connected through an OAuth sign-in; use its own form in Settings.`);
    this.name = "NotOAuthProviderError";
  }
}

/** The provider's API is switched off: it takes no new connections, its successor does. */
export class RetiredProviderError extends Error {
  constructor(readonly provider: string, note: string, successorName: string) {
    super(`${note} Connect ${successorName} instead; what was synced before stays.`);
    this.name = "RetiredProviderError";
  }
}

export class ConnectionNotFoundError extends Error {
  constructor(readonly connectionId: string) {
    super("connection not found");
    this.name = "ConnectionNotFoundError";
  }
}

/** The connection is not active (needs_reauth, revoked, error): no token until the user reconnects. */
export class ConnectionUnavailableError extends Error {
  constructor(
    readonly connectionId: string,
    readonly status: string,
    readonly lastError: string | null,
  ) {
    super(`connection is ${status}${lastError ? `: ${lastError}` : ""}`);
    this.name = "ConnectionUnavailableError";
  }
}
