import { z } from "zod";
import { json, type Router, type SimResponse } from "../router";
import type { SimulatorState } from "../state";
import { addDays, localDay, localInstant } from "../data/core";
import { simData, type MutationResult } from "../data/generator";
import { setSimDataSource, type DataChange, type SimWebhook } from "./common";
import { corosWebhooks } from "../providers/coros/webhook";
import { later, webhookState, webhooksSettled } from "./delivery";
import { fitbitSubscriptions, fitbitWebhooks, verifyFitbitSubscriber } from "../providers/fitbit/webhook";
import { GARMIN_SUMMARY_TYPES, garminWebhooks, setGarminMode } from "../providers/garmin/webhook";
import { garminRecords, type GarminSummaryType } from "../providers/garmin/data";
import { ouraSubscriptions, ouraWebhooks } from "../providers/oura/webhook";
import { polarWebhook, polarWebhooks } from "../providers/polar/webhook";
import { stravaSubscription, stravaWebhooks } from "../providers/strava/webhook";
import { whoopWebhooks } from "../providers/whoop/webhook";
import { withingsSubscriptions, withingsWebhooks } from "../providers/withings/webhook";

/**
 * The simulator's webhook side: subscription endpoints on the providers' real hosts (registered on
 * the router like any provider route), deliveries of real-shaped, correctly signed notices to the
 * app — on demand through `/__admin/webhooks/*`, and when an account's data changes
 * (`emitDataChange`) — the handshakes, and Garmin's ping callbacks and backfill pushes.
 */

export const simWebhooks: Record<string, SimWebhook<never>> = Object.fromEntries(
  [stravaWebhooks, fitbitWebhooks, ouraWebhooks, whoopWebhooks, polarWebhooks, corosWebhooks, withingsWebhooks, garminWebhooks].map((w) => [
    w.provider,
    w as unknown as SimWebhook<never>,
  ]),
);

// Pushed records: Garmin's own generator (it has no pull endpoints); the data module for the others.
setSimDataSource((state, provider, account, resource, from, to) => {
  if (provider === "garmin") return garminRecords(account, resource as GarminSummaryType, from, to);
  const store = simData(state);
  const tz = store.timezone(provider, account);
  return store
    .list(provider, account, resource, { from: localDay(from.getTime(), tz), to: localDay(to.getTime(), tz) })
    .filter((r) => r.at >= from.getTime() && r.at < to.getTime())
    .map((r) => r.body);
});

/** Adds the subscription/backfill/callback routes to the simulator's router. */
export function registerWebhookRoutes(router: Router, providerIds: string[]): void {
  for (const w of Object.values(simWebhooks)) {
    if (!providerIds.includes(w.provider)) continue;
    for (const route of w.routes) router.add(w.provider, route);
  }
}

/**
 * Reports a change of an account's simulated data: the provider's notices go out after the current
 * request is answered (await `webhooksSettled(state)` to know they were delivered).
 */
export function emitDataChange(state: SimulatorState, change: DataChange): void {
  const w = simWebhooks[change.provider];
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
export { setSimDataSource, type DataChange } from "./common";

const account = z.string().min(1).max(64).regex(/^[A-Za-z0-9._@+-]+$/);
const problems = (e: z.ZodError) => e.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
const bad = (list: string[]) => json(400, { error: "invalid_request", problems: list });

/** `/__admin/webhooks/*` (path is what follows `/__admin/webhooks`). Documented in README.md. */
export async function handleWebhookAdmin(state: SimulatorState, method: string, path: string, query: URLSearchParams, body: unknown): Promise<SimResponse> {
  const route = `${method} ${path.replace(/\/+$/, "") || "/"}`;
  const s = webhookState(state);
  try {
    switch (route) {
      case "GET /":
        return json(200, {
          target: s.target,
          subscriptions: {
            strava: stravaSubscription(state),
            polar: polarWebhook(state),
            oura: ouraSubscriptions(state),
            fitbit: fitbitSubscriptions(state),
            withings: withingsSubscriptions(state),
          },
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
        const w = simWebhooks[provider];
        if (!w) return bad([`provider: no webhooks for "${provider}" (have ${Object.keys(simWebhooks).join(", ")})`]);
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
        const w = simWebhooks[r.data.provider];
        const deliveries = w?.onDataChange ? await w.onDataChange(state, { ...r.data, from: new Date(r.data.from), to: new Date(r.data.to) }) : [];
        return json(200, { deliveries });
      }
      case "POST /fitbit/verify": {
        const r = z.object({ code: z.string().min(1).optional() }).strict().safeParse(body ?? {});
        if (!r.success) return bad(problems(r.error));
        return json(200, await verifyFitbitSubscriber(state, r.data.code));
      }
      case "POST /garmin/mode": {
        const r = z.object({ summaryType: z.enum(GARMIN_SUMMARY_TYPES), mode: z.enum(["push", "ping"]) }).strict().safeParse(body ?? {});
        if (!r.success) return bad(problems(r.error));
        setGarminMode(state, r.data.summaryType, r.data.mode);
        return json(200, { ok: true });
      }
      default:
        return json(404, { error: "not_found", message: `no admin route ${route} under /__admin/webhooks` });
    }
  } catch (error) {
    // Misuse (no target configured, …) is the caller's to fix: say what is missing.
    return json(409, { error: "conflict", message: error instanceof Error ? error.message : String(error) });
  }
}
