import { demoClients, type DemoClient } from "./clients";
import { randomHex } from "./ids";

/**
 * Everything the simulator remembers: issued codes, grants (one per completed authorization) with
 * their access/refresh tokens, request stats, pending faults, a controllable clock and a small
 * per-provider bag for provider-specific state (Polar registrations, Withings nonces…).
 * The admin API (`/__admin/*`) and in-process tests drive the same methods.
 */

export type FaultKind = "429" | "500" | "timeout" | "truncated";

export type FaultSpec = {
  /** Only requests to this provider's hosts (default: any provider). */
  provider?: string;
  /** Only requests whose path starts with this: either the simulator path (`/www.strava.com/api/v3`)
   * or the path on the real host (`/api/v3`). */
  pathPrefix?: string;
  kind: FaultKind;
  /** How many matching requests fail (default 1). */
  count?: number;
  /** 429: value of Retry-After and of the provider's reset headers (default 60). */
  retryAfterSeconds?: number;
  /** timeout: how long the response is held before the socket is closed (default 30000). */
  delayMs?: number;
};

export type FaultRule = Required<Pick<FaultSpec, "kind" | "retryAfterSeconds" | "delayMs">> &
  Pick<FaultSpec, "provider" | "pathPrefix"> & { id: number; remaining: number };

export type CodeRecord = {
  code: string;
  provider: string;
  clientId: string;
  /** The redirect_uri the code was issued for. */
  redirectUri: string;
  /** Whether redirect_uri was present in the authorize request (then the token call must repeat it). */
  redirectUriSent: boolean;
  scopes: string[];
  account: string;
  userId: string;
  codeChallenge?: string;
  /** The approval yields no refresh token (Google without `access_type=offline`). */
  noRefresh?: boolean;
  expiresAt: number;
  usedAt: number | null;
  /** The grant issued from this code (revoked if the code is replayed). */
  grantId: string | null;
};

export type Grant = {
  id: string;
  provider: string;
  clientId: string;
  account: string;
  userId: string;
  scopes: string[];
  createdAt: number;
  revokedAt: number | null;
  /** Provider-specific, non-secret extras (shown in /__admin/connections). */
  extra: Record<string, unknown>;
};

export type AccessTokenRecord = {
  token: string;
  provider: string;
  grantId: string;
  issuedAt: number;
  /** null = does not expire. */
  expiresAt: number | null;
  revokedAt: number | null;
};

export type RefreshTokenRecord = {
  token: string;
  provider: string;
  grantId: string;
  issuedAt: number;
  usedAt: number | null;
  revokedAt: number | null;
};

export type TokenSelector = { accessToken?: string; refreshToken?: string; provider?: string; account?: string };

export type AccessCheck =
  | { ok: true; grant: Grant; token: AccessTokenRecord }
  | { ok: false; reason: "unknown" | "expired" | "revoked" };

export type Connection = {
  grantId: string;
  provider: string;
  account: string;
  providerUserId: string;
  clientId: string;
  scopes: string[];
  status: "active" | "revoked";
  createdAt: string;
  /** Latest access token of the grant and its expiry (null = never). */
  accessToken: string | null;
  accessTokenExpiresAt: string | null;
  /** Latest unused refresh token, if any. */
  refreshToken: string | null;
  extra: Record<string, unknown>;
};

/** Stats: per provider, request counts per route name plus extra keys (`token:refresh_token`, `fault:429`). */
export type Stats = Record<string, Record<string, number>>;

export type RedirectUriRule = string | RegExp;

/** Any port, http, loopback hosts, the app's callback path. */
export const DEFAULT_REDIRECT_URIS: RedirectUriRule[] = [
  /^http:\/\/(localhost|127\.0\.0\.1|\[::1\]):\d{1,5}\/api\/oauth\/callback$/,
];

export type StateOptions = {
  now?: () => number;
  /** Extra accepted redirect URIs (exact strings or patterns), on top of DEFAULT_REDIRECT_URIS. */
  redirectUris?: RedirectUriRule[];
  /** Used when a provider allows omitting redirect_uri (Polar): the app's "registered" callback. */
  defaultRedirectUri?: string;
  /** Override or add demo clients. */
  clients?: Record<string, DemoClient>;
};

export class SimulatorState {
  readonly clients: Record<string, DemoClient>;
  readonly redirectUris: RedirectUriRule[];
  readonly defaultRedirectUri: string;
  private readonly baseNow: () => number;
  private clockOffsetMs = 0;

  codes = new Map<string, CodeRecord>();
  grants = new Map<string, Grant>();
  accessTokens = new Map<string, AccessTokenRecord>();
  refreshTokens = new Map<string, RefreshTokenRecord>();
  private faults: FaultRule[] = [];
  private nextFaultId = 1;
  private statCounts: Stats = {};
  private bags = new Map<string, Map<string, unknown>>();

  constructor(opts: StateOptions = {}) {
    this.baseNow = opts.now ?? Date.now;
    this.clients = { ...demoClients, ...opts.clients };
    this.redirectUris = [...DEFAULT_REDIRECT_URIS, ...(opts.redirectUris ?? [])];
    this.defaultRedirectUri = opts.defaultRedirectUri ?? "http://localhost:3000/api/oauth/callback";
  }

  /** Milliseconds since the epoch, as the simulated providers see it. */
  now(): number {
    return this.baseNow() + this.clockOffsetMs;
  }

  /** Moves the simulated clock forward (codes and tokens expire against it). */
  advanceClock(ms: number): number {
    this.clockOffsetMs += ms;
    return this.now();
  }

  /** Forgets everything except the registered clients. */
  reset(): void {
    this.codes.clear();
    this.grants.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.faults = [];
    this.statCounts = {};
    this.bags.clear();
    this.clockOffsetMs = 0;
  }

  /** Provider-specific scratch state, cleared by reset(). */
  bag<T>(provider: string): Map<string, T> {
    let bag = this.bags.get(provider);
    if (!bag) this.bags.set(provider, (bag = new Map()));
    return bag as Map<string, T>;
  }

  isRedirectUriAllowed(uri: string): boolean {
    return this.redirectUris.some((rule) => (typeof rule === "string" ? rule === uri : rule.test(uri)));
  }

  // ───────────────────────── stats ─────────────────────────

  count(provider: string, key: string): void {
    const p = (this.statCounts[provider] ??= {});
    p[key] = (p[key] ?? 0) + 1;
  }

  stats(): Stats {
    return structuredClone(this.statCounts);
  }

  // ───────────────────────── faults ─────────────────────────

  addFault(spec: FaultSpec): FaultRule {
    const rule: FaultRule = {
      id: this.nextFaultId++,
      provider: spec.provider,
      pathPrefix: spec.pathPrefix,
      kind: spec.kind,
      remaining: spec.count ?? 1,
      retryAfterSeconds: spec.retryAfterSeconds ?? 60,
      delayMs: spec.delayMs ?? 30_000,
    };
    this.faults.push(rule);
    return rule;
  }

  listFaults(): FaultRule[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Consumes one fault matching this request, first registered first. */
  takeFault(provider: string | undefined, rawPath: string, hostPath: string): FaultRule | null {
    const rule = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (!f.provider || f.provider === provider) &&
        (!f.pathPrefix || rawPath.startsWith(f.pathPrefix) || hostPath.startsWith(f.pathPrefix)),
    );
    if (!rule) return null;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.faults = this.faults.filter((f) => f !== rule);
    return { ...rule };
  }

  // ───────────────────────── grants and tokens ─────────────────────────

  createGrant(g: Omit<Grant, "id" | "createdAt" | "revokedAt" | "extra"> & { extra?: Record<string, unknown> }): Grant {
    const grant: Grant = { ...g, id: `g_${randomHex(8)}`, createdAt: this.now(), revokedAt: null, extra: g.extra ?? {} };
    this.grants.set(grant.id, grant);
    return grant;
  }

  issueAccessToken(grant: Grant, ttlSeconds: number | null, token = randomHex(20)): AccessTokenRecord {
    const now = this.now();
    const rec: AccessTokenRecord = {
      token,
      provider: grant.provider,
      grantId: grant.id,
      issuedAt: now,
      expiresAt: ttlSeconds === null ? null : now + ttlSeconds * 1000,
      revokedAt: null,
    };
    this.accessTokens.set(token, rec);
    return rec;
  }

  issueRefreshToken(grant: Grant, token = randomHex(20)): RefreshTokenRecord {
    const rec: RefreshTokenRecord = {
      token,
      provider: grant.provider,
      grantId: grant.id,
      issuedAt: this.now(),
      usedAt: null,
      revokedAt: null,
    };
    this.refreshTokens.set(token, rec);
    return rec;
  }

  checkAccessToken(provider: string, token: string | null | undefined): AccessCheck {
    const rec = token ? this.accessTokens.get(token) : undefined;
    const grant = rec ? this.grants.get(rec.grantId) : undefined;
    if (!rec || !grant || rec.provider !== provider) return { ok: false, reason: "unknown" };
    if (rec.revokedAt !== null || grant.revokedAt !== null) return { ok: false, reason: "revoked" };
    if (rec.expiresAt !== null && rec.expiresAt <= this.now()) return { ok: false, reason: "expired" };
    return { ok: true, grant, token: rec };
  }

  /** Revokes a grant: all of its access and refresh tokens stop working. */
  revokeGrant(grantId: string): boolean {
    const grant = this.grants.get(grantId);
    if (!grant || grant.revokedAt !== null) return false;
    const now = this.now();
    grant.revokedAt = now;
    for (const t of this.accessTokens.values()) if (t.grantId === grantId) t.revokedAt ??= now;
    for (const t of this.refreshTokens.values()) if (t.grantId === grantId) t.revokedAt ??= now;
    return true;
  }

  /** Active grants selected by token (either kind) or by provider and/or account. */
  selectGrants(sel: TokenSelector): Grant[] {
    const ids = new Set<string>();
    if (sel.accessToken) {
      const t = this.accessTokens.get(sel.accessToken);
      if (t) ids.add(t.grantId);
    }
    if (sel.refreshToken) {
      const t = this.refreshTokens.get(sel.refreshToken);
      if (t) ids.add(t.grantId);
    }
    const byToken = Boolean(sel.accessToken || sel.refreshToken);
    return [...this.grants.values()].filter(
      (g) =>
        g.revokedAt === null &&
        (!byToken || ids.has(g.id)) &&
        (!sel.provider || g.provider === sel.provider) &&
        (!sel.account || g.account === sel.account),
    );
  }

  /** Makes access tokens expired now (refresh tokens keep working). Returns how many were live. */
  expireTokens(sel: TokenSelector): number {
    const now = this.now();
    let n = 0;
    const live = (t: AccessTokenRecord) => t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now);
    if (sel.accessToken && !sel.provider && !sel.account) {
      const t = this.accessTokens.get(sel.accessToken);
      if (t && live(t)) {
        t.expiresAt = now - 1;
        n++;
      }
      return n;
    }
    const grants = new Set(this.selectGrants(sel).map((g) => g.id));
    for (const t of this.accessTokens.values()) {
      if (grants.has(t.grantId) && live(t)) {
        t.expiresAt = now - 1;
        n++;
      }
    }
    return n;
  }

  /** Revokes whole grants (access AND refresh tokens). Returns how many grants were revoked. */
  revokeTokens(sel: TokenSelector): number {
    return this.selectGrants(sel).filter((g) => this.revokeGrant(g.id)).length;
  }

  connections(filter: { provider?: string; account?: string } = {}): Connection[] {
    const latest = <T extends { grantId: string; issuedAt: number }>(all: Iterable<T>, grantId: string, ok: (t: T) => boolean) => {
      let best: T | null = null;
      for (const t of all) if (t.grantId === grantId && ok(t) && (!best || t.issuedAt >= best.issuedAt)) best = t;
      return best;
    };
    return [...this.grants.values()]
      .filter((g) => (!filter.provider || g.provider === filter.provider) && (!filter.account || g.account === filter.account))
      .map((g) => {
        const access = latest(this.accessTokens.values(), g.id, () => true);
        const refresh = latest(this.refreshTokens.values(), g.id, (t) => t.usedAt === null && t.revokedAt === null);
        return {
          grantId: g.id,
          provider: g.provider,
          account: g.account,
          providerUserId: g.userId,
          clientId: g.clientId,
          scopes: g.scopes,
          status: g.revokedAt === null ? "active" : "revoked",
          createdAt: new Date(g.createdAt).toISOString(),
          accessToken: access?.token ?? null,
          accessTokenExpiresAt: access?.expiresAt == null ? null : new Date(access.expiresAt).toISOString(),
          refreshToken: refresh?.token ?? null,
          extra: g.extra,
        };
      });
  }
}
