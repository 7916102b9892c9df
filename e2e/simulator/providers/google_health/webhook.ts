import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { z } from "zod";
import { DEMO_WEBHOOK_SETTINGS } from "../../clients";
import { json, type SimResponse } from "../../router";
import type { SimulatorState } from "../../state";
import { badAdminRequest, bagged, zodProblems, type SimWebhook } from "../../webhooks/common";
import { appWebhookUrl, NoWebhookTargetError, send, type Delivery } from "../../webhooks/delivery";
import { googleHealthUserId } from "./oauth";

/**
 * Google Health notifications (google-health.md A.10): one AUTOMATIC subscriber per project (set up
 * by the operator; here the app's webhook URL), `{"type":"verification"}` checks with and without
 * the Authorization secret (`POST /__admin/webhooks/google_health/verify`), and notices
 * `{data: {healthUserId, operation, dataType, intervals[]}}` signed with ECDSA P-256 over the raw
 * body: header `X-HEALTHAPI-SIGNATURE` = base64(0x01 ‖ key id (4 bytes BE) ‖ DER signature). The
 * simulator holds its own keys and publishes the public halves as a Tink JSON keyset at Google's
 * URL; `POST /__admin/webhooks/google_health/rotate {disableOld?}` adds a new primary key.
 */

export const GH_KEYSET_HOST = "www.gstatic.com";
export const GH_KEYSET_PATH = "/googlehealthapi/webhooks/webhooks_public_keyset.json";

type SimKey = { id: number; privateKey: KeyObject; publicKey: KeyObject; status: "ENABLED" | "DISABLED" };
const keys = (state: SimulatorState) => bagged(state, "google_health:keys", () => [newKey(0x2a5e1b01)]);

function newKey(id: number): SimKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { id, privateKey, publicKey, status: "ENABLED" };
}

/** Serialized Tink `EcdsaPublicKey`: version 0, params {SHA256, NIST_P256, DER}, x and y with Tink's leading zero byte. */
function tinkEcdsaPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: "jwk" });
  const coord = (v: string | undefined) => Buffer.concat([Buffer.from([0]), Buffer.from(v ?? "", "base64url")]);
  const params = Buffer.from([0x08, 0x03, 0x10, 0x02, 0x18, 0x01]);
  const x = coord(jwk.x);
  const y = coord(jwk.y);
  return Buffer.concat([Buffer.from([0x08, 0x00, 0x12, params.length]), params, Buffer.from([0x1a, x.length]), x, Buffer.from([0x22, y.length]), y]);
}

/** The keyset as Google publishes it (Tink JSON, public keys only). */
export function publishedKeyset(state: SimulatorState) {
  const all = keys(state);
  return {
    primaryKeyId: all[all.length - 1].id,
    key: all.map((k) => ({
      keyData: { typeUrl: "type.googleapis.com/google.crypto.tink.EcdsaPublicKey", value: tinkEcdsaPublicKey(k.publicKey).toString("base64"), keyMaterialType: "ASYMMETRIC_PUBLIC" },
      status: k.status,
      keyId: k.id,
      outputPrefixType: "TINK",
    })),
  };
}

/** Signs like Google: Tink's prefix (0x01 + key id) before the DER ECDSA-SHA256 signature, base64. */
export function googleHealthSignature(state: SimulatorState, body: string | Buffer, keyId?: number): string {
  const all = keys(state);
  const key = keyId === undefined ? all[all.length - 1] : all.find((k) => k.id === keyId);
  if (!key) throw new Error(`no simulator key ${keyId}`);
  const prefix = Buffer.alloc(5);
  prefix[0] = 0x01;
  prefix.writeUInt32BE(key.id, 1);
  return Buffer.concat([prefix, sign("sha256", Buffer.from(body), { key: key.privateKey, dsaEncoding: "der" })]).toString("base64");
}

export function rotateKeys(state: SimulatorState, disableOld = false): number {
  const all = keys(state);
  if (disableOld) for (const k of all) k.status = "DISABLED";
  const id = all[all.length - 1].id + 1;
  all.push(newKey(id));
  return id;
}

/** Simulator resource → the data type Google notifies for it (types Google does not notify are absent). */
const DATA_TYPE_OF: Record<string, string> = {
  exercise: "exercise",
  sleep: "sleep",
  steps: "steps",
  distance: "distance",
  floors: "floors",
  weight: "weight",
  body_fat: "body-fat",
  heart_rate: "heart-rate",
  heart_rate_variability: "heart-rate-variability",
  daily_resting_heart_rate: "daily-resting-heart-rate",
  daily_heart_rate_variability: "daily-heart-rate-variability",
  respiratory_rate_sleep_summary: "respiratory-rate-sleep-summary",
};

const input = z
  .object({
    dataType: z.string().min(1).default("steps"),
    operation: z.enum(["UPSERT", "DELETE"]).default("UPSERT"),
    from: z.iso.datetime().optional(),
    to: z.iso.datetime().optional(),
    /** Sign with this key id (a rotated-out one, to test refusal). */
    keyId: z.number().int().optional(),
    /** Leave out the Authorization header (Google sometimes does on data notices). */
    withoutAuthorization: z.boolean().optional(),
  })
  .strict();

const isoNoMs = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

async function deliverNotice(state: SimulatorState, account: string, i: z.infer<typeof input>): Promise<Delivery[]> {
  const url = appWebhookUrl(state, "google_health");
  if (!url) throw new NoWebhookTargetError();
  const to = i.to ? Date.parse(i.to) : state.now();
  const from = i.from ? Date.parse(i.from) : to - 5 * 60_000;
  const body = JSON.stringify({
    data: {
      version: "1",
      clientProvidedSubscriptionName: "healthbridge",
      healthUserId: googleHealthUserId(account),
      operation: i.operation,
      dataType: i.dataType,
      intervals: [{ physicalTimeInterval: { startTime: isoNoMs(from), endTime: isoNoMs(to) } }],
    },
  });
  const headers: Record<string, string> = { "content-type": "application/json", "x-healthapi-signature": googleHealthSignature(state, body, i.keyId) };
  if (!i.withoutAuthorization) headers.authorization = DEMO_WEBHOOK_SETTINGS.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION;
  return [await send(state, { provider: "google_health", kind: "notice", url, headers, body })];
}

/** Google's endpoint check on subscriber create: 201 with the secret, 401/403 without. */
export async function verifyGoogleHealthEndpoint(state: SimulatorState): Promise<{ verified: boolean; withSecret: number | null; withoutSecret: number | null }> {
  const url = appWebhookUrl(state, "google_health");
  if (!url) throw new NoWebhookTargetError();
  const body = JSON.stringify({ type: "verification" });
  const base = { "content-type": "application/json" };
  const right = await send(state, { provider: "google_health", kind: "verify", url, headers: { ...base, authorization: DEMO_WEBHOOK_SETTINGS.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION }, body });
  const wrong = await send(state, { provider: "google_health", kind: "verify", url, headers: base, body });
  return { verified: right.status === 201 && (wrong.status === 401 || wrong.status === 403), withSecret: right.status, withoutSecret: wrong.status };
}

export const googleHealthWebhooks: SimWebhook<z.infer<typeof input>> = {
  provider: "google_health",
  input,
  admin: {
    "POST /verify": async (state) => json(200, await verifyGoogleHealthEndpoint(state)),
    "POST /rotate": (state, body): SimResponse => {
      const r = z.object({ disableOld: z.boolean().optional() }).strict().safeParse(body ?? {});
      if (!r.success) return badAdminRequest(zodProblems(r.error));
      return json(200, { keyId: rotateKeys(state, r.data.disableOld), keyset: publishedKeyset(state) });
    },
  },
  routes: [{ method: "GET", host: GH_KEYSET_HOST, path: GH_KEYSET_PATH, name: "webhooks_public_keyset", handler: (ctx) => json(200, publishedKeyset(ctx.state)) }],
  deliver: (state, account, i) => deliverNotice(state, account, i),
  async onDataChange(state, change) {
    const dataType = DATA_TYPE_OF[change.resource];
    if (!dataType || !appWebhookUrl(state, "google_health")) return [];
    return deliverNotice(state, change.account, {
      dataType,
      operation: change.kind === "deleted" ? "DELETE" : "UPSERT",
      from: change.from.toISOString(),
      to: change.to.toISOString(),
    });
  },
};
