import { randomHex } from "../ids";
import type { SimulatorState } from "../state";

/**
 * Outgoing HTTP from the simulator to the app: notices, handshakes, Polar's PING. Every attempt is
 * logged (GET /__admin/webhooks/deliveries) and in flight work can be awaited (`webhooksSettled`),
 * so tests know when a pushed notice has been answered.
 */

export type Delivery = {
  id: string;
  provider: string;
  /** "notice", "handshake", "ping" (Polar), "verify" (Google Health endpoint check), "backfill" (Garmin push). */
  kind: string;
  method: "GET" | "POST";
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: string;
  status: number | null;
  responseBody: string;
  error: string | null;
  at: string;
  ms: number;
};

export type WebhookSimState = {
  /** The app's base URL (e.g. http://127.0.0.1:3000); provider endpoints configured "in the dashboard" hang off it. */
  target: string | null;
  deliveries: Delivery[];
  inFlight: Set<Promise<unknown>>;
};

const MAX_LOG = 500;
export const DELIVERY_TIMEOUT_MS = 15_000;

export function webhookState(state: SimulatorState): WebhookSimState {
  const bag = state.bag<WebhookSimState>("webhooks");
  let s = bag.get("core");
  if (!s) bag.set("core", (s = { target: process.env.SIMULATOR_WEBHOOK_TARGET ?? null, deliveries: [], inFlight: new Set() }));
  return s;
}

/** `<target>/api/webhooks/<provider>`: where the app receives a provider whose URL is set in its dashboard. */
export function appWebhookUrl(state: SimulatorState, provider: string): string | null {
  const target = webhookState(state).target;
  return target ? `${target.replace(/\/+$/, "")}/api/webhooks/${provider}` : null;
}

/** Sends one request to the app and logs it. Never throws: network errors are logged as `error`. */
export async function send(
  state: SimulatorState,
  req: { provider: string; kind: string; method?: "GET" | "POST"; url: string; headers?: Record<string, string>; body?: string },
): Promise<Delivery> {
  const started = Date.now();
  const d: Delivery = {
    id: `d_${randomHex(6)}`,
    provider: req.provider,
    kind: req.kind,
    method: req.method ?? "POST",
    url: req.url,
    requestHeaders: req.headers ?? {},
    requestBody: req.body ?? "",
    status: null,
    responseBody: "",
    error: null,
    at: new Date(state.now()).toISOString(),
    ms: 0,
  };
  const s = webhookState(state);
  const work = (async () => {
    try {
      const res = await fetch(req.url, {
        method: d.method,
        headers: req.headers,
        body: d.method === "POST" ? (req.body ?? "") : undefined,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        redirect: "manual",
      });
      d.status = res.status;
      d.responseBody = (await res.text()).slice(0, 4096);
    } catch (error) {
      d.error = error instanceof Error ? error.message : String(error);
    }
    d.ms = Date.now() - started;
    s.deliveries.push(d);
    if (s.deliveries.length > MAX_LOG) s.deliveries.splice(0, s.deliveries.length - MAX_LOG);
    state.count(req.provider, `webhook:${req.kind}:${d.status ?? "error"}`);
    return d;
  })();
  s.inFlight.add(work);
  try {
    return await work;
  } finally {
    s.inFlight.delete(work);
  }
}

/** Data changed but no app URL is set (a provider app with no webhook configured): nothing to deliver. */
export class NoWebhookTargetError extends Error {
  constructor(message = "no webhook target: POST /__admin/webhooks/target first") {
    super(message);
    this.name = "NoWebhookTargetError";
  }
}

/** Runs `task` after the current request has been answered (Garmin answers a backfill with 202, then pushes). */
export function later(state: SimulatorState, task: () => Promise<unknown>, delayMs = 0): void {
  const s = webhookState(state);
  const work = new Promise<void>((resolve) => {
    setTimeout(() => {
      task()
        .catch((error: unknown) => {
          if (!(error instanceof NoWebhookTargetError)) console.error("[simulator] webhook task failed:", error);
        })
        .finally(resolve);
    }, delayMs);
  });
  s.inFlight.add(work);
  void work.finally(() => s.inFlight.delete(work));
}

/** Resolves once every delivery started so far (and any it started in turn) has finished. */
export async function webhooksSettled(state: SimulatorState): Promise<void> {
  const s = webhookState(state);
  while (s.inFlight.size > 0) await Promise.allSettled([...s.inFlight]);
}
