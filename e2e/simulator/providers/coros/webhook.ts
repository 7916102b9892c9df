import { z } from "zod";
import { seededInt } from "../../ids";
import { corosOpenId } from "./oauth";
import type { SimulatorState } from "../../state";
import { epochSeconds, type SimWebhook } from "../../webhooks/common";
import { appWebhookUrl, NoWebhookTargetError, send, type Delivery } from "../../webhooks/delivery";

/**
 * COROS workout push (providers.md §7): `{"sportDataList":[{openId, labelId, mode, subMode,
 * startTime, endTime, startTimezone, endTimezone, distance?, duration?, fitUrl?}]}` with headers
 * `client` / `secret` = the app's client id / secret. The push URL is configured by COROS on
 * approval, so the simulator sends to the admin target.
 */

const workout = z.object({
  labelId: z.string().regex(/^\d+$/).optional(),
  mode: z.number().int().default(8),
  subMode: z.number().int().default(1),
  startTime: z.number().int().optional(),
  endTime: z.number().int().optional(),
  startTimezone: z.number().int().default(32),
  endTimezone: z.number().int().default(32),
  distance: z.number().optional(),
  duration: z.number().int().optional(),
});
const input = z.object({ workouts: z.array(workout).min(1).optional(), records: z.array(z.record(z.string(), z.unknown())).optional() }).strict();

async function deliverWorkouts(state: SimulatorState, account: string, workouts: Array<Record<string, unknown>>): Promise<Delivery[]> {
  const url = appWebhookUrl(state, "coros");
  if (!url) throw new NoWebhookTargetError();
  const openId = corosOpenId(account);
  const client = state.clients.coros;
  const body = JSON.stringify({ sportDataList: workouts.map((w) => ({ openId, ...w })) });
  const headers = { "content-type": "application/json", client: client.clientId, secret: client.clientSecret };
  return [await send(state, { provider: "coros", kind: "notice", url, headers, body })];
}

export const corosWebhooks: SimWebhook<z.infer<typeof input>> = {
  provider: "coros",
  input,
  routes: [],
  deliver(state, account, i) {
    const now = epochSeconds(state);
    const workouts =
      i.records ??
      (i.workouts ?? [workout.parse({})]).map((w) => {
        const endTime = w.endTime ?? now - 600;
        const startTime = w.startTime ?? endTime - (w.duration ?? 1800);
        return { ...w, labelId: w.labelId ?? String(seededInt(`${account}:${startTime}`, 1e15, 9e15)), startTime, endTime };
      });
    return deliverWorkouts(state, account, workouts);
  },
  async onDataChange(state, change) {
    if (change.resource !== "sport_list" || change.kind === "deleted" || !appWebhookUrl(state, "coros")) return [];
    return deliverWorkouts(state, change.account, change.records as Array<Record<string, unknown>>);
  },
};
