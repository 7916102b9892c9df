import { createPublicKey, verify as verifySignatureBytes, type KeyObject } from "node:crypto";
import { z } from "zod";
import { providerFetch } from "../shared/http";
import { constantTimeEqual, contentKey, parseJsonBody } from "../shared/webhook";
import { WebhookParseError, type WebhookNotice, type WebhookRequest, type WebhookSpec, type WebhookVerdict } from "../types";

/**
 * Google Health webhooks (google-health.md A.10). Registration is per Cloud project (see
 * subscriptions.ts). On create, Google POSTs `{"type":"verification"}` twice: with our
 * `Authorization` secret (answer 201) and without it (answer 401). Notices are
 * `{data: {healthUserId, operation, dataType, intervals[]}}` with no values: we re-read the
 * interval. Each is signed with ECDSA P-256 / SHA-256 over the raw body; the header
 * (`X-HEALTHAPI-SIGNATURE` per the API reference, `GOOGLE-HEALTH-API-SIGNATURE` in community code:
 * both accepted) is base64 of Tink's output: 0x01, a 4-byte big-endian key id, the DER signature.
 * The public keys are Google's Tink JSON keyset, fetched and cached; an unknown key id (a rotation)
 * fetches it again, at most once a minute. Accepted notices get 204.
 */

export const GH_WEBHOOK_AUTHORIZATION_VAR = "GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION";
export const GH_KEYSET_URL = "https://www.gstatic.com/googlehealthapi/webhooks/webhooks_public_keyset.json";
const SIGNATURE_HEADERS = ["x-healthapi-signature", "google-health-api-signature"];
const ECDSA_TYPE_URL = "type.googleapis.com/google.crypto.tink.EcdsaPublicKey";

/** Notified data type (URL id) → the sync resources that read it. */
export const GH_DATA_TYPE_RESOURCES: Record<string, string[]> = {
  steps: ["steps", "active_energy_burned"],
  distance: ["distance"],
  floors: ["floors"],
  exercise: ["exercise"],
  sleep: ["sleep", "respiratory_rate_sleep_summary"],
  weight: ["weight"],
  "body-fat": ["body_fat"],
  "heart-rate": ["heart_rate"],
  "heart-rate-variability": ["heart_rate_variability"],
  "daily-resting-heart-rate": ["daily_resting_heart_rate"],
  "daily-heart-rate-variability": ["daily_heart_rate_variability"],
  "daily-oxygen-saturation": ["daily_oxygen_saturation"],
  "respiratory-rate-sleep-summary": ["respiratory_rate_sleep_summary"],
  "vo2-max": ["vo2_max"],
  "run-vo2-max": ["vo2_max"],
};

// ───────────────────────── the Tink keyset ─────────────────────────

/**
 * The x and y coordinates of a serialized Tink `EcdsaPublicKey` (fields 3 and 4, both bytes; 1 is
 * the version, 2 the params). A bounded reader of the protobuf wire format for this one message:
 * only field walking, no cryptography — the key itself is built and used by node:crypto.
 */
function ecdsaPoint(bytes: Buffer): { x: Buffer; y: Buffer } {
  if (bytes.length > 1024) throw new Error("key material too large");
  const fields = new Map<number, Buffer>();
  let i = 0;
  const varint = () => {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (i >= bytes.length) throw new Error("truncated key material");
      const b = bytes[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
    }
    throw new Error("bad varint in key material");
  };
  while (i < bytes.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 2) {
      const len = varint();
      if (i + len > bytes.length) throw new Error("truncated key material");
      fields.set(tag >>> 3, bytes.subarray(i, i + len));
      i += len;
    } else throw new Error(`unexpected wire type ${wire} in key material`);
  }
  const coord = (n: number) => {
    const raw = fields.get(n);
    if (!raw) throw new Error("key material without a point");
    let v = raw;
    while (v.length > 32 && v[0] === 0) v = v.subarray(1); // Tink writes big-endian integers, maybe with a sign byte
    if (v.length > 32) throw new Error("coordinate longer than P-256");
    return Buffer.concat([Buffer.alloc(32 - v.length), v]);
  };
  return { x: coord(3), y: coord(4) };
}

const tinkKeyset = z.looseObject({
  primaryKeyId: z.number().int().optional(),
  key: z
    .array(
      z.looseObject({
        keyData: z.looseObject({ typeUrl: z.string(), value: z.string(), keyMaterialType: z.string().optional() }),
        status: z.string(),
        keyId: z.number().int().nonnegative(),
        outputPrefixType: z.string(),
      }),
    )
    .max(100),
});

/** The ENABLED ECDSA keys of a Tink JSON public keyset, by key id (disabled or other keys never verify). */
export function parseKeyset(json: unknown): Map<number, KeyObject> {
  const parsed = tinkKeyset.parse(json);
  const keys = new Map<number, KeyObject>();
  for (const k of parsed.key) {
    if (k.status !== "ENABLED" || k.keyData.typeUrl !== ECDSA_TYPE_URL || k.outputPrefixType !== "TINK") continue;
    const { x, y } = ecdsaPoint(Buffer.from(k.keyData.value, "base64"));
    keys.set(k.keyId, createPublicKey({ key: { kty: "EC", crv: "P-256", x: x.toString("base64url"), y: y.toString("base64url") }, format: "jwk" }));
  }
  return keys;
}

function signatureOf(headers: Headers): { keyId: number; der: Buffer } | string {
  const header = SIGNATURE_HEADERS.map((h) => headers.get(h)).find((v) => v);
  if (!header) return "X-HEALTHAPI-SIGNATURE is missing";
  const bytes = Buffer.from(header.trim(), "base64");
  if (bytes.length < 6 || bytes[0] !== 0x01) return "the signature is not a Tink ECDSA signature";
  return { keyId: bytes.readUInt32BE(1), der: bytes.subarray(5) };
}

/** Checks a notice's signature over its raw body against `keys` (node:crypto does the ECDSA). */
export function verifyNoticeSignature(rawBody: Buffer, headers: Headers, keys: ReadonlyMap<number, KeyObject>): WebhookVerdict {
  const sig = signatureOf(headers);
  if (typeof sig === "string") return { ok: false, reason: sig };
  const key = keys.get(sig.keyId);
  if (!key) return { ok: false, reason: `no enabled key ${sig.keyId} in Google's keyset` };
  let ok = false;
  try {
    ok = verifySignatureBytes("sha256", rawBody, { key, dsaEncoding: "der" }, sig.der);
  } catch {
    ok = false;
  }
  return ok ? { ok: true } : { ok: false, reason: "the signature does not match the body" };
}

const KEYSET_MAX_AGE_MS = 6 * 3_600_000;
const REFETCH_MIN_MS = 60_000;

/** Google's keyset as last fetched. Fetched on demand; an unknown key id refetches (rotation), rate-limited. */
export const googleHealthKeys = {
  keys: new Map<number, KeyObject>(),
  fetchedAt: 0,
  attemptedAt: -Infinity,
  fetchImpl: providerFetch as (url: string) => Promise<Response>,
  now: () => Date.now(),
  reset() {
    this.keys = new Map();
    this.fetchedAt = 0;
    this.attemptedAt = -Infinity;
  },
  async ensure(keyId: number | undefined): Promise<void> {
    const now = this.now();
    const stale = now - this.fetchedAt > KEYSET_MAX_AGE_MS;
    const unknown = keyId !== undefined && !this.keys.has(keyId);
    if (!stale && !unknown) return;
    if (now - this.attemptedAt < REFETCH_MIN_MS) return; // bounded: a flood of forged ids costs one fetch a minute
    this.attemptedAt = now;
    try {
      const res = await this.fetchImpl(GH_KEYSET_URL);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.keys = parseKeyset(await res.json());
      this.fetchedAt = now;
    } catch (error) {
      // Keep the keys we have: a notice signed with them still verifies.
      console.warn(`[webhooks] google_health: could not load the signing keyset (${error instanceof Error ? error.message : "error"})`);
    }
  },
};

// ───────────────────────── notices ─────────────────────────

const civil = z.looseObject({ startTime: z.string(), endTime: z.string() });
const intervalSchema = z.looseObject({
  physicalTimeInterval: z.looseObject({ startTime: z.string(), endTime: z.string() }).nullish(),
  civilIso8601TimeInterval: civil.nullish(),
});
const notification = z.looseObject({
  data: z.looseObject({
    version: z.string().optional(),
    clientProvidedSubscriptionName: z.string().optional(),
    healthUserId: z.string().regex(/^[A-Za-z0-9-]{1,63}$/),
    operation: z.enum(["UPSERT", "DELETE"]),
    dataType: z.string().min(1).max(64),
    intervals: z.array(intervalSchema).max(1000).optional(),
    civilIso8601TimeInterval: civil.nullish(),
  }),
});
const body = z.union([notification, z.array(notification).min(1).max(1000)]);

const DAY_MS = 86_400_000;
/** A notice never asks for more than this (it is signed, but one bad interval must not cost a backfill). */
const MAX_WINDOW_MS = 90 * DAY_MS;

function windowOf(n: z.infer<typeof notification>["data"]): { from: string; to: string } {
  const spans: Array<[number, number]> = [];
  const all = [...(n.intervals ?? []), ...(n.civilIso8601TimeInterval ? [{ civilIso8601TimeInterval: n.civilIso8601TimeInterval }] : [])];
  for (const i of all) {
    const p = "physicalTimeInterval" in i ? i.physicalTimeInterval : undefined;
    // A civil interval read as UTC is within a day of the instants it means.
    const [a, b] = p ? [Date.parse(p.startTime), Date.parse(p.endTime)] : [Date.parse(`${i.civilIso8601TimeInterval!.startTime}Z`), Date.parse(`${i.civilIso8601TimeInterval!.endTime}Z`)];
    if (Number.isNaN(a) || Number.isNaN(b)) throw new WebhookParseError("google_health notice: an interval is not a date-time");
    spans.push([Math.min(a, b), Math.max(a, b)]);
  }
  if (!spans.length) throw new WebhookParseError("google_health notice: no interval");
  const from = Math.min(...spans.map((s) => s[0])) - DAY_MS;
  const to = Math.max(...spans.map((s) => s[1])) + DAY_MS;
  return { from: new Date(Math.max(from, to - MAX_WINDOW_MS)).toISOString(), to: new Date(to).toISOString() };
}

function noticeOf(n: z.infer<typeof notification>): WebhookNotice {
  const d = n.data;
  const resources = GH_DATA_TYPE_RESOURCES[d.dataType];
  const window = windowOf(d);
  return {
    providerUserId: d.healthUserId,
    dedupeKey: contentKey(d.healthUserId, d.dataType, d.operation, window.from, window.to),
    // "Data in this interval changed": a later identical notice may mean newer data.
    replay: "state",
    body: JSON.stringify(n),
    // A DELETE names no data point, only the interval: re-reading it is what tells what is left.
    action: resources ? { kind: "sync", resources, ...window } : { kind: "none", reason: `data type ${d.dataType} is not synced` },
  };
}

function isVerification(req: WebhookRequest): boolean {
  try {
    const json = JSON.parse(req.rawBody.toString("utf8")) as unknown;
    return typeof json === "object" && json !== null && (json as Record<string, unknown>).type === "verification";
  } catch {
    return false;
  }
}

export const googleHealthWebhook: WebhookSpec = {
  keptHeaders: [...SIGNATURE_HEADERS],
  ackStatus: 204,
  rejectStatus: 401,
  deadlineMs: 10_000,
  handshake(req, secrets) {
    if (req.method !== "POST" || !isVerification(req)) return null;
    const expected = secrets(GH_WEBHOOK_AUTHORIZATION_VAR);
    const ok = Boolean(expected) && constantTimeEqual(req.headers.get("authorization"), expected!);
    return { status: ok ? 201 : 401 };
  },
  async prepare(req) {
    const sig = signatureOf(req.headers);
    await googleHealthKeys.ensure(typeof sig === "string" ? undefined : sig.keyId);
  },
  verify(req, secrets) {
    // The shared secret is not always sent on data notices; when it is, it must be ours.
    const auth = req.headers.get("authorization");
    const expected = secrets(GH_WEBHOOK_AUTHORIZATION_VAR);
    if (auth !== null && expected && !constantTimeEqual(auth, expected)) return { ok: false, reason: "Authorization does not match" };
    return verifyNoticeSignature(req.rawBody, req.headers, googleHealthKeys.keys);
  },
  parse(req) {
    const parsed = parseJsonBody(req, body, "google_health notice");
    return (Array.isArray(parsed) ? parsed : [parsed]).map(noticeOf);
  },
};
