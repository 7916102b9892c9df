import { randomUUID } from "node:crypto";
import { z } from "zod";
import { whoopUserId } from "./oauth";
import type { SimulatorState } from "../../state";
import { hmacOf, type SimWebhook } from "../../webhooks/common";
import { appWebhookUrl, NoWebhookTargetError, send, type Delivery } from "../../webhooks/delivery";

/**
 * WHOOP webhooks, v2 (providers.md §4). The URL is set on the app in the Developer Dashboard, so
 * the simulator sends to the admin target. Notices `{user_id, id, type, trace_id}`;
 * `X-WHOOP-Signature` = base64 HMAC-SHA256(client secret, `X-WHOOP-Signature-Timestamp` (ms) + body).
 */

const TYPES = ["workout.updated", "workout.deleted", "sleep.updated", "sleep.deleted", "recovery.updated", "recovery.deleted"] as const;

const input = z
  .object({
    type: z.enum(TYPES).default("workout.updated"),
    id: z.string().min(1).optional(),
    traceId: z.string().optional(),
    /** Override the signature timestamp (ms), e.g. to send a stale one. */
    timestampMs: z.number().int().optional(),
  })
  .strict();

export function whoopSignature(state: SimulatorState, timestamp: string, body: string): string {
  return hmacOf("sha256", state.clients.whoop.clientSecret, timestamp + body).toString("base64");
}

async function deliverEvent(state: SimulatorState, account: string, i: z.infer<typeof input>): Promise<Delivery[]> {
  const url = appWebhookUrl(state, "whoop");
  if (!url) throw new NoWebhookTargetError();
  const body = JSON.stringify({ user_id: Number(whoopUserId(account)), id: i.id ?? randomUUID(), type: i.type, trace_id: i.traceId ?? randomUUID() });
  const timestamp = String(i.timestampMs ?? state.now());
  const headers = {
    "content-type": "application/json",
    "x-whoop-signature-timestamp": timestamp,
    "x-whoop-signature": whoopSignature(state, timestamp, body),
  };
  return [await send(state, { provider: "whoop", kind: "notice", url, headers, body })];
}

const TYPE_OF: Record<string, string> = { workout: "workout", workouts: "workout", sleep: "sleep", recovery: "recovery" };

export const whoopWebhooks: SimWebhook<z.infer<typeof input>> = {
  provider: "whoop",
  input,
  routes: [],
  deliver: deliverEvent,
  async onDataChange(state, change) {
    const object = TYPE_OF[change.resource];
    if (!object || !appWebhookUrl(state, "whoop")) return [];
    const verb = change.kind === "deleted" ? "deleted" : "updated";
    const out: Delivery[] = [];
    for (const record of change.records) {
      const r = record as { id?: unknown; sleep_id?: unknown };
      // Recovery events name the sleep they belong to.
      const id = object === "recovery" ? r.sleep_id : r.id;
      if (typeof id !== "string") continue;
      out.push(...(await deliverEvent(state, change.account, { type: `${object}.${verb}` as (typeof TYPES)[number], id })));
    }
    return out;
  },
};
