import { z } from "zod";
import { isObject, numberField, requestJson, stringField } from "../shared/oauth2";
import type { WebhookNotice, WebhookSpec } from "../types";
import { constantTimeEqual, contentKey, dayWindow, hmac, parseJsonBody } from "../shared/webhook";

/**
 * Polar AccessLink webhooks (providers.md §6): one per app, created with
 * `npm run webhooks:subscribe -- polar`, which prints the `signature_secret_key` Polar shows once
 * (→ POLAR_WEBHOOK_SECRET). On creation Polar POSTs an unsigned `{"event":"PING"}` that must get
 * 200; every other notice carries `Polar-Webhook-Signature` = hex HMAC-SHA256(key = that secret,
 * raw body). Polar documents no deauthorization event.
 */

export const POLAR_SECRET_VAR = "POLAR_WEBHOOK_SECRET";
const EXERCISES = "https://www.polaraccesslink.com/v3/exercises";
const HOUR_MS = 3_600_000;

/** Event → sync resources (src/lib/sync/fetchers/polar.ts); SLEEP_WISE_* are not synced. */
export const POLAR_EVENT_RESOURCES: Record<string, string[]> = {
  EXERCISE: ["exercises"],
  // Nightly Recharge is computed from the night's sleep and has no event of its own.
  SLEEP: ["sleep", "nightly_recharge"],
  ACTIVITY_SUMMARY: ["activities"],
  CONTINUOUS_HEART_RATE: ["continuous_heart_rate"],
  PHYSICAL_INFORMATION: ["physical_info"],
};

const notice = z.looseObject({
  event: z.string().regex(/^[A-Z_]{1,64}$/),
  user_id: z.union([z.number().int(), z.string().regex(/^\d{1,20}$/)]).transform(String),
  entity_id: z.string().max(128).regex(/^[A-Za-z0-9_-]*$/).optional(),
  timestamp: z.string().max(64).refine((t) => !Number.isNaN(Date.parse(t)), "not a timestamp"),
  url: z.string().max(2048).optional(),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
});

/** A window around the notice's own time, for events that carry no date. */
function aroundTimestamp(timestamp: string): { from: string; to: string } {
  const at = Date.parse(timestamp);
  return { from: new Date(at - 48 * HOUR_MS).toISOString(), to: new Date(at + HOUR_MS).toISOString() };
}

function noticeOf(n: z.infer<typeof notice>, body: string): WebhookNotice {
  const resources = POLAR_EVENT_RESOURCES[n.event];
  const action: WebhookNotice["action"] = !resources
    ? { kind: "none", reason: `event ${n.event} is not synced` }
    : n.event === "EXERCISE" && n.entity_id
      ? { kind: "lookup", resources, objectId: n.entity_id, objectType: "exercise" }
      : { kind: "sync", resources, ...(n.date ? dayWindow(n.date) : aroundTimestamp(n.timestamp)) };
  return {
    providerUserId: n.user_id,
    dedupeKey: contentKey(n.user_id, n.event, n.entity_id ?? null, n.date ?? null, n.timestamp),
    replay: "event",
    body,
    action,
  };
}

/** ISO-8601 duration (`PT2H44M`, `PT45M12.5S`) in ms; undefined when it is not one. */
export function isoDurationMs(value: string | undefined): number | undefined {
  const m = value ? /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value) : null;
  if (!m) return undefined;
  const [, d = "0", h = "0", min = "0", s = "0"] = m;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000;
}

export const polarWebhook: WebhookSpec = {
  keptHeaders: ["polar-webhook-signature"],
  ackStatus: 200,
  rejectStatus: 401,
  deadlineMs: 10_000,
  handshake(req) {
    if (req.method !== "POST") return null;
    try {
      const json: unknown = JSON.parse(req.rawBody.toString("utf8"));
      // Unsigned by design (the secret does not exist yet); it asks for nothing, so nothing is stored.
      if (isObject(json) && json.event === "PING") return { status: 200 };
    } catch {
      // not a PING: verify() and parse() decide
    }
    return null;
  },
  verify(req, secrets) {
    const secret = secrets(POLAR_SECRET_VAR);
    if (!secret) return { ok: false, reason: `${POLAR_SECRET_VAR} is not set, so Polar-Webhook-Signature cannot be checked` };
    const given = req.headers.get("polar-webhook-signature");
    if (!given) return { ok: false, reason: "Polar-Webhook-Signature is missing" };
    const expected = hmac("sha256", secret, req.rawBody).toString("hex");
    return constantTimeEqual(given.toLowerCase(), expected) ? { ok: true } : { ok: false, reason: "Polar-Webhook-Signature does not match the body" };
  },
  parse(req) {
    return [noticeOf(parseJsonBody(req, notice, "polar notice"), req.rawBody.toString("utf8"))];
  },
  async lookup(ctx, tokens, action) {
    const { status, json } = await requestJson(ctx, `${EXERCISES}/${encodeURIComponent(action.objectId)}`, {
      what: "exercise",
      okStatuses: [404],
      headers: { Authorization: `Bearer ${tokens.accessToken}` },
      secrets: [tokens.accessToken],
    });
    if (status === 404 || !isObject(json)) return null;
    // start_time is local without an offset; start_time_utc_offset (minutes) makes it an instant.
    const local = Date.parse(`${stringField(json.start_time) ?? ""}Z`);
    if (Number.isNaN(local)) return null;
    const start = local - (numberField(json.start_time_utc_offset) ?? 0) * 60_000;
    const duration = isoDurationMs(stringField(json.duration)) ?? 24 * HOUR_MS;
    return { from: new Date(start - HOUR_MS), to: new Date(start + duration + HOUR_MS) };
  },
};
