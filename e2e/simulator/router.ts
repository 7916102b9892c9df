import type { IncomingHttpHeaders } from "node:http";
import type { SimulatorState } from "./state";

/**
 * Routing for the simulator. The app rewrites `https://<host>/<path>` to `<origin>/<host>/<path>`,
 * so the first path segment of every request is the real provider host; routes are keyed by
 * (host, method, path pattern) exactly as the provider documents them.
 */

/** What a handler returns; the server writes it (which is how faults can truncate any body). */
export type SimResponse = {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings/Buffers as-is; null/undefined = empty body. */
  body?: unknown;
};

export type RequestContext = {
  method: string;
  /** The real provider host, e.g. `www.strava.com`. */
  host: string;
  /** The path on the real host, e.g. `/oauth/token`. */
  path: string;
  /** Path as received by the simulator, e.g. `/www.strava.com/oauth/token`. */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** `:name` segments of the route pattern. */
  params: Record<string, string>;
  rawBody: Buffer;
  /** The body parsed as application/x-www-form-urlencoded (empty when it is another type). */
  form: URLSearchParams;
  /** The body parsed as JSON, or undefined when it is not (valid) JSON. */
  json: unknown;
  provider: string;
  state: SimulatorState;
  /** Adds one to an extra stats key of this provider (e.g. `token:refresh_token`). */
  count(key: string): void;
};

export type Handler = (ctx: RequestContext) => SimResponse | Promise<SimResponse>;

export type RouteSpec = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  host: string;
  /** Literal path with optional `:param` segments, e.g. `/v3/users/:userId`; `/*` matches any path. */
  path: string;
  /** Stats key; defaults to `METHOD path`. */
  name?: string;
  handler: Handler;
};

type CompiledRoute = RouteSpec & { provider: string; regex: RegExp; keys: string[] };

export class Router {
  private routes: CompiledRoute[] = [];
  private hostOwners = new Map<string, string>();

  add(provider: string, spec: RouteSpec): void {
    const keys: string[] = [];
    const pattern = spec.path
      .split("/")
      .map((seg) => {
        // A last segment `*` takes the rest of the path (a host that answers every path alike).
        if (seg === "*") {
          keys.push("rest");
          return "(.*)";
        }
        if (seg.startsWith(":")) {
          keys.push(seg.slice(1));
          return "([^/]+)";
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    this.routes.push({ ...spec, provider, regex: new RegExp(`^${pattern}/?$`), keys });
    this.hostOwners.set(spec.host, provider);
  }

  claimHost(provider: string, host: string): void {
    this.hostOwners.set(host, provider);
  }

  /** Which provider serves this host (also for requests that match no route). */
  providerOfHost(host: string): string | undefined {
    return this.hostOwners.get(host);
  }

  /** `methodAllowed` is false when the path exists but not for this method (→ 405). */
  match(
    method: string,
    host: string,
    path: string,
  ): { route: CompiledRoute; params: Record<string, string> } | { route: null; methodAllowed: boolean } {
    let pathExists = false;
    for (const route of this.routes) {
      if (route.host !== host) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      pathExists = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
      return { route, params };
    }
    return { route: null, methodAllowed: !pathExists };
  }
}

// ───────────────────────── response helpers ─────────────────────────

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", ...headers }, body };
}

export function html(status: number, body: string): SimResponse {
  return { status, headers: { "content-type": "text/html; charset=utf-8" }, body };
}

export function redirect(location: string): SimResponse {
  return { status: 302, headers: { location, "cache-control": "no-store" } };
}

export function empty(status: number, headers: Record<string, string> = {}): SimResponse {
  return { status, headers };
}

/** Serialises a response body to bytes (objects as JSON). */
export function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === "string") return Buffer.from(body, "utf8");
  return Buffer.from(JSON.stringify(body), "utf8");
}

/** Reads `Authorization: Bearer <token>`; null when absent or another scheme. */
export function bearerToken(ctx: RequestContext): string | null {
  const header = ctx.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m ? m[1] : null;
}

/** Reads `Authorization: Basic` as RFC 6749 §2.3.1 sends it (each part form-urlencoded). */
export function basicCredentials(ctx: RequestContext): { id: string; secret: string } | null {
  const header = ctx.headers.authorization;
  const m = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m) return null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return null;
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, " "));
    } catch {
      return s;
    }
  };
  return { id: dec(decoded.slice(0, i)), secret: dec(decoded.slice(i + 1)) };
}

// ───────────────────────── provider modules ─────────────────────────

/** One simulated provider: its routes on its real hosts, and how it answers when rate limited. */
export type SimProvider = {
  /** The app's provider id (src/lib/providers/types.ts). */
  id: string;
  name: string;
  /** Hosts owned by this provider even where no route matches (for stats and faults). */
  hosts: string[];
  routes: RouteSpec[];
  /** The response for a "429" fault; default: HTTP 429 + Retry-After + a JSON error. */
  rateLimited?(retryAfterSeconds: number, state: SimulatorState): SimResponse;
};
