import { z } from "zod";
import { addDays, localInstant } from "../data/core";
import { simData, type MutationResult } from "../data/generator";
import { providerModule, providerModules } from "../registry";
import { json, type Router, type SimResponse } from "../router";
import type { SimulatorState } from "../state";
import type { SimProviderModule } from "../types";
import { badAdminRequest, zodProblems, type DataChange, type SimWebhook } from "./common";
import { later, webhookState, webhooksSettled } from "./delivery";

/**
 * The simulator's webhook side: subscription endpoints on the providers' real hosts (registered on
 * the router like any provider route), deliveries of real-shaped, correctly signed notices to the
 * app — on demand through `/__admin/webhooks/*`, and when an account's data changes
 * (`emitDataChange`) — the handshakes, and Garmin's ping callbacks and backfill pushes.
 */

/** The webhook side of a served provider, if it has one. */
function webhookOf(state: SimulatorState, provider: string): SimWebhook<unknown> | undefined {
  return providerModule(state, provider)?.webhook;
}

const withWebhook = (modules: SimProviderModule[]) => modules.filter((m): m is SimProviderModule & { webhook: SimWebhook<unknown> } => !!m.webhook);

/** Adds the subscription/backfill/callback routes to the simulator's router. */
export function registerWebhookRoutes(router: Router, modules: SimProviderModule[]): void {
  for (const m of withWebhook(modules)) for (const route of m.webhook.routes) router.add(m.id, route);
}

/**
 * Reports a change of an account's simulated data: the provider's notices go out after the current
 * request is answered (await `webhooksSettled(state)` to know they were delivered).
 */
export function emitDataChange(state: SimulatorState, change: DataChange): void {
  const w = webhookOf(state, change.provider);
  if (!w?.onDataChange) return;
  later(state, () => w.onDataChange!(state, change));
}

/** A data-module mutation (`POST /__admin/data/mutations`) as the provider's notices would report it. */
export function emitMutation(state: SimulatorState, m: MutationResult): void {
  const tz = simData(state).timezone(m.provider, m.account);
  emitDataChange(state, {
    provider: m.provider,
    account: m.account,
    resource: m.resource,
    kind: m.op === "add" ? "created" : m.op === "update" ? "updated" : "deleted",
    records: [m.record ?? { id: m.id }],
    day: m.day,
    from: new Date(localInstant(m.day, 0, tz)),
    to: new Date(localInstant(addDays(m.day, 1), 0, tz)),
  });
}

export { webhooksSettled, webhookState } from "./delivery";

/** Where provider-configured webhook URLs point: `<appUrl>/api/webhooks/<provider>` (null = nowhere). */
export function setWebhookTarget(state: SimulatorState, appUrl: string | null): void {
  webhookState(state).target = appUrl ? appUrl.replace(/\/+$/, "") : null;
}
export type { DataChange } from "./common";

const account = z.string().min(1).max(64).regex(/^[A-Za-z0-9._@+-]+$/);
const problems = zodProblems;
const bad = badAdminRequest;

/** `/__admin/webhooks/*` (path is what follows `/__admin/webhooks`). Documented in README.md. */
export async function handleWebhookAdmin(state: SimulatorState, method: string, path: string, query: URLSearchParams, body: unknown): Promise<SimResponse> {
  const route = `${method} ${path.replace(/\/+$/, "") || "/"}`;
  const s = webhookState(state);
  try {
    switch (route) {
      case "GET /":
        return json(200, {
          target: s.target,
          subscriptions: Object.fromEntries(withWebhook(providerModules(state)).flatMap((m) => (m.webhook.subscriptions ? [[m.id, m.webhook.subscriptions(state)]] : []))),
          deliveries: s.deliveries.length,
        });
      case "POST /target": {
        const r = z.object({ appUrl: z.url().nullable() }).strict().safeParse(body ?? {});
        if (!r.success) return bad(problems(r.error));
        s.target = r.data.appUrl ? r.data.appUrl.replace(/\/+$/, "") : null;
        return json(200, { target: s.target });
      }
      case "GET /deliveries": {
        const provider = query.get("provider");
        const kind = query.get("kind");
        return json(200, { deliveries: s.deliveries.filter((d) => (!provider || d.provider === provider) && (!kind || d.kind === kind)) });
      }
      case "DELETE /deliveries":
        s.deliveries.length = 0;
        return json(200, { ok: true });
      case "POST /settle":
        await webhooksSettled(state);
        return json(200, { ok: true });
      case "POST /deliver": {
        const head = z.looseObject({ provider: z.string(), account }).safeParse(body ?? {});
        if (!head.success) return bad(problems(head.error));
        const { provider, account: acc, ...rest } = head.data;
        const w = webhookOf(state, provider);
        if (!w) return bad([`provider: no webhooks for "${provider}" (have ${withWebhook(providerModules(state)).map((m) => m.id).join(", ")})`]);
        const parsed = w.input.safeParse(rest);
        if (!parsed.success) return bad(problems(parsed.error));
        const deliveries = await w.deliver(state, acc, parsed.data as never);
        return json(200, { deliveries });
      }
      case "POST /data-change": {
        const r = z
          .object({
            provider: z.string(),
            account,
            resource: z.string().min(1),
            kind: z.enum(["created", "updated", "deleted"]).default("created"),
            records: z.array(z.unknown()).default([]),
            from: z.iso.datetime({ offset: true }),
            to: z.iso.datetime({ offset: true }),
          })
          .strict()
          .safeParse(body ?? {});
        if (!r.success) return bad(problems(r.error));
        const w = webhookOf(state, r.data.provider);
        const deliveries = w?.onDataChange ? await w.onDataChange(state, { ...r.data, from: new Date(r.data.from), to: new Date(r.data.to) }) : [];
        return json(200, { deliveries });
      }
      default: {
        // `/<provider>/<call>`: the provider's own admin calls (Google Health's endpoint check, Garmin's modes).
        const m = /^(\w+) \/([^/]+)(\/.*)$/.exec(route);
        const call = m ? webhookOf(state, m[2])?.admin?.[`${m[1]} ${m[3]}`] : undefined;
        if (call) return await call(state, body);
        return json(404, { error: "not_found", message: `no admin route ${route} under /__admin/webhooks` });
      }
    }
  } catch (error) {
    // Misuse (no target configured, …) is the caller's to fix: say what is missing.
    return json(409, { error: "conflict", message: error instanceof Error ? error.message : String(error) });
  }
}
