import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { handleAdmin } from "./admin";
import { simRegistry } from "./providers";
import { installProviders } from "./registry";
import { bodyBytes, json, Router, type RequestContext, type SimProvider, type SimResponse } from "./router";
import { SimulatorState, type StateOptions } from "./state";
import type { SimProviders } from "./types";
import { handleWebhookAdmin, registerWebhookRoutes } from "./webhooks";

/**
 * The provider simulator: one plain node:http server answering every provider host under
 * `/<host>/<path>` (the app's PROVIDER_ORIGIN_OVERRIDE rewrite), plus the admin API at `/__admin`.
 */

export type SimulatorOptions = StateOptions & {
  /** 0 = a random free port (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Provider modules to serve (default: every provider, the registry in providers/index.ts). */
  providers?: SimProviders;
};

export type RunningSimulator = {
  url: string;
  port: number;
  state: SimulatorState;
  close(): Promise<void>;
};

const MAX_BODY_BYTES = 1024 * 1024;

function defaultRateLimited(retryAfterSeconds: number): SimResponse {
  return json(429, { error: "rate_limited", message: "Too Many Requests" }, { "retry-after": String(retryAfterSeconds) });
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseJson(raw: Buffer, contentType: string | undefined): unknown {
  if (!raw.length || !/json/i.test(contentType ?? "")) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, r: SimResponse, truncate = false): void {
  let body = bodyBytes(r.body);
  const headers = { ...r.headers };
  if (truncate && body.length < 2) {
    body = Buffer.from(JSON.stringify({ data: [], truncated: false }));
    headers["content-type"] ??= "application/json; charset=utf-8";
  }
  res.writeHead(r.status, { ...headers, "content-length": String(body.length) });
  if (!truncate) {
    res.end(body);
    return;
  }
  // Promise the whole body, deliver half, then drop the connection.
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const state = new SimulatorState(opts);
  const registry = opts.providers ?? simRegistry;
  installProviders(state, registry);
  const modules = Object.values(registry);
  const router = new Router();
  const byId = new Map<string, SimProvider>();
  for (const m of modules) {
    const p = m.auth;
    byId.set(m.id, p);
    for (const host of p.hosts) router.claimHost(m.id, host);
    // Data routes first: they take precedence over older placeholder routes.
    for (const route of [...(m.data?.endpoints ?? []), ...p.routes]) router.add(m.id, route);
  }
  const providerIds = modules.map((m) => m.id);
  registerWebhookRoutes(router, modules);
  const held = new Set<NodeJS.Timeout>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://simulator.invalid");
    const method = (req.method ?? "GET").toUpperCase();
    const raw = await readBody(req);
    if (raw === null) return send(res, json(413, { error: "payload_too_large" }));

    const rawPath = url.pathname;
    if (rawPath === "/__admin/webhooks" || rawPath.startsWith("/__admin/webhooks/")) {
      const body = parseJson(raw, req.headers["content-type"]);
      return send(res, await handleWebhookAdmin(state, method, rawPath.slice("/__admin/webhooks".length) || "/", url.searchParams, body));
    }
    if (rawPath === "/__admin" || rawPath.startsWith("/__admin/")) {
      const body = parseJson(raw, req.headers["content-type"]);
      return send(res, handleAdmin(state, providerIds, method, rawPath.slice("/__admin".length) || "/", url.searchParams, body));
    }

    const [, host = "", ...rest] = rawPath.split("/");
    const path = `/${rest.join("/")}`;
    const match = router.match(method, host, path);
    const provider = match.route?.provider ?? router.providerOfHost(host);
    const statsKey = provider ?? "_unknown";
    state.count(statsKey, match.route ? (match.route.name ?? `${method} ${match.route.path}`) : `_unmatched ${method} ${path}`);

    const notFound = (): SimResponse =>
      match.route === null && !match.methodAllowed
        ? json(405, { error: "method_not_allowed", message: `${method} is not allowed on ${host}${path}` })
        : json(404, { error: "not_found", message: `the simulator has no route for ${method} ${host}${path}` });

    const fault = state.takeFault(provider, rawPath, path);
    if (fault) state.count(statsKey, `fault:${fault.kind}`);
    if (fault?.kind === "429") {
      const p = provider ? byId.get(provider) : undefined;
      return send(res, p?.rateLimited?.(fault.retryAfterSeconds, state) ?? defaultRateLimited(fault.retryAfterSeconds));
    }
    if (fault?.kind === "500") {
      return send(res, json(500, { error: "internal_server_error", message: "Simulated server error" }));
    }
    if (fault?.kind === "timeout") {
      const timer = setTimeout(() => {
        held.delete(timer);
        req.socket.destroy();
      }, fault.delayMs);
      held.add(timer);
      return;
    }

    if (match.route === null) return send(res, notFound(), fault?.kind === "truncated");
    const route = match.route;
    const ctx: RequestContext = {
      method,
      host,
      path,
      rawPath,
      query: url.searchParams,
      headers: req.headers,
      params: match.params,
      rawBody: raw,
      form: /application\/x-www-form-urlencoded/i.test(req.headers["content-type"] ?? "")
        ? new URLSearchParams(raw.toString("utf8"))
        : new URLSearchParams(),
      json: parseJson(raw, req.headers["content-type"]),
      provider: route.provider,
      state,
      count: (key) => state.count(route.provider, key),
    };
    send(res, await route.handler(ctx), fault?.kind === "truncated");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error("[simulator] handler error:", err);
      if (!res.headersSent) send(res, json(500, { error: "simulator_bug", message: String(err) }));
      else res.destroy();
    });
  });
  // Idle keep-alive sockets stay open until the client closes them. With node's default (close
  // after 5 s idle) a loaded client can reuse a socket in the instant the server drops it, and the
  // request fails with ECONNRESET / "other side closed" (UND_ERR_SOCKET). Real providers keep them
  // far longer. The headers of a request still have to arrive in time, the body too (a stuck client).
  server.keepAliveTimeout = 0;
  server.headersTimeout = 60_000;
  server.requestTimeout = 120_000;
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of held) clearTimeout(t);
        held.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
