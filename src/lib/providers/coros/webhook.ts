import { z } from "zod";
import type { WebhookNotice, WebhookSpec } from "../types";
import { contentKey, parseJsonBody, secondsWindow, secretVerdict } from "../shared/webhook";

/**
 * COROS workout push (providers.md §7; COROS' docs are private, facts come from public client code).
 * COROS POSTs `{"sportDataList":[{openId, labelId, mode, subMode, startTime, endTime, …}]}` with
 * headers `client` / `secret` equal to the app's client id / secret (no HMAC), and gets 200
 * `{"message":"ok","result":"0000"}` (as c2c_tracking answers). Each user's workouts become one
 * narrow sync over their span. Handshake, retries and a deauthorization event: UNCONFIRMED (none).
 */

const ID_VAR = "COROS_CLIENT_ID";
const SECRET_VAR = "COROS_CLIENT_SECRET";
/** The sync resource of COROS workouts (src/lib/sync/fetchers/coros.ts). */
export const COROS_WORKOUTS = "sport_list";

const workout = z.looseObject({
  openId: z.string().min(1).max(128),
  labelId: z.union([z.string().regex(/^\d{1,30}$/), z.number().int()]).transform(String),
  mode: z.number().int(),
  subMode: z.number().int(),
  startTime: z.number().int().positive(),
  endTime: z.number().int().positive(),
});
const body = z.looseObject({ sportDataList: z.array(workout).min(1).max(1000) });

export const corosWebhook: WebhookSpec = {
  // Never `secret`: it is our client secret.
  keptHeaders: ["client"],
  ackStatus: 200,
  ackBody: { message: "ok", result: "0000" },
  rejectStatus: 401,
  deadlineMs: 10_000,
  verify(req, secrets) {
    const client = secretVerdict(req.headers.get("client"), secrets(ID_VAR), "the client header", ID_VAR);
    if (!client.ok) return client;
    return secretVerdict(req.headers.get("secret"), secrets(SECRET_VAR), "the secret header", SECRET_VAR);
  },
  parse(req) {
    const { sportDataList } = parseJsonBody(req, body, "coros notice");
    const byUser = new Map<string, typeof sportDataList>();
    for (const w of sportDataList) byUser.set(w.openId, [...(byUser.get(w.openId) ?? []), w]);
    return [...byUser].map(([openId, workouts]): WebhookNotice => {
      const from = Math.min(...workouts.map((w) => Math.min(w.startTime, w.endTime)));
      const to = Math.max(...workouts.map((w) => Math.max(w.startTime, w.endTime)));
      return {
        providerUserId: openId,
        dedupeKey: contentKey(openId, ...workouts.map((w) => [w.labelId, w.startTime, w.endTime, w])),
        replay: "event", // the workouts themselves: a replay is the same content
        body: JSON.stringify({ sportDataList: workouts }),
        action: { kind: "sync", resources: [COROS_WORKOUTS], ...secondsWindow(from, to) },
      };
    });
  },
};
