import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { WebhookRequest } from "../types";
import { googleHealthKeys, googleHealthWebhook, parseKeyset, verifyNoticeSignature } from "./webhook";

/**
 * Signatures as google-health.md A.10 describes them, produced here with node:crypto: a Tink JSON
 * keyset of ECDSA P-256 public keys, and `X-HEALTHAPI-SIGNATURE` = base64(0x01 ‖ key id ‖ DER).
 */

type TestKey = { id: number; privateKey: KeyObject; publicKey: KeyObject };
const keyPair = (id: number): TestKey => ({ id, ...generateKeyPairSync("ec", { namedCurve: "P-256" }) });

/** Protobuf EcdsaPublicKey {1: version, 2: params, 3: x, 4: y}, written by hand (no sign byte here). */
function tinkValue(k: KeyObject): string {
  const jwk = k.export({ format: "jwk" });
  const x = Buffer.from(jwk.x!, "base64url");
  const y = Buffer.from(jwk.y!, "base64url");
  const params = Buffer.from([0x08, 0x03, 0x10, 0x02, 0x18, 0x01]);
  return Buffer.concat([Buffer.from([0x08, 0x00, 0x12, 6]), params, Buffer.from([0x1a, x.length]), x, Buffer.from([0x22, y.length]), y]).toString("base64");
}
const keyset = (entries: Array<{ key: TestKey; status?: string }>) => ({
  primaryKeyId: entries[entries.length - 1].key.id,
  key: entries.map(({ key, status }) => ({
    keyData: { typeUrl: "type.googleapis.com/google.crypto.tink.EcdsaPublicKey", value: tinkValue(key.publicKey), keyMaterialType: "ASYMMETRIC_PUBLIC" },
    status: status ?? "ENABLED",
    keyId: key.id,
    outputPrefixType: "TINK",
  })),
});
function signature(key: TestKey, body: string | Buffer): string {
  const prefix = Buffer.alloc(5);
  prefix[0] = 1;
  prefix.writeUInt32BE(key.id, 1);
  return Buffer.concat([prefix, sign("sha256", Buffer.from(body), { key: key.privateKey, dsaEncoding: "der" })]).toString("base64");
}

const body = JSON.stringify({
  data: { version: "1", healthUserId: "gh-USER1", operation: "UPSERT", dataType: "steps", intervals: [{ physicalTimeInterval: { startTime: "2026-03-07T16:29:00Z", endTime: "2026-03-07T16:34:00Z" } }] },
});
const headersWith = (sig: string, name = "x-healthapi-signature") => new Headers({ [name]: sig, "content-type": "application/json" });
const request = (raw: string, headers: Headers): WebhookRequest => ({ method: "POST", url: new URL("https://app.example/api/webhooks/google_health"), headers, rawBody: Buffer.from(raw), receivedAt: new Date() });

const k1 = keyPair(0x11110001);
const k2 = keyPair(0x11110002);
const stranger = keyPair(0x11110001); // same id as k1, another key

describe("google_health notice signatures", () => {
  const keys = parseKeyset(keyset([{ key: k1 }]));

  it("accepts the body signed with an enabled key of the set (either header name)", () => {
    expect(verifyNoticeSignature(Buffer.from(body), headersWith(signature(k1, body)), keys)).toEqual({ ok: true });
    expect(verifyNoticeSignature(Buffer.from(body), headersWith(signature(k1, body), "Google-Health-API-Signature"), keys)).toEqual({ ok: true });
  });

  it("refuses a tampered body", () => {
    const tampered = body.replace("UPSERT", "DELETE");
    expect(verifyNoticeSignature(Buffer.from(tampered), headersWith(signature(k1, body)), keys)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    // One byte of whitespace is a different body too: the raw bytes are what is signed.
    expect(verifyNoticeSignature(Buffer.from(`${body} `), headersWith(signature(k1, body)), keys).ok).toBe(false);
  });

  it("refuses a signature by a key that is not Google's, and an unknown key id", () => {
    expect(verifyNoticeSignature(Buffer.from(body), headersWith(signature(stranger, body)), keys).ok).toBe(false);
    expect(verifyNoticeSignature(Buffer.from(body), headersWith(signature(k2, body)), keys)).toMatchObject({ ok: false, reason: expect.stringMatching(/no enabled key/) });
    expect(verifyNoticeSignature(Buffer.from(body), new Headers(), keys)).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) });
  });

  it("after a rotation both keys verify; a disabled key does not", () => {
    const rotated = parseKeyset(keyset([{ key: k1 }, { key: k2 }]));
    expect(verifyNoticeSignature(Buffer.from(body), headersWith(signature(k1, body)), rotated).ok).toBe(true);
    expect(verifyNoticeSignature(Buffer.from(body), headersWith(signature(k2, body)), rotated).ok).toBe(true);
    const retired = parseKeyset(keyset([{ key: k1, status: "DISABLED" }, { key: k2 }]));
    expect(verifyNoticeSignature(Buffer.from(body), headersWith(signature(k1, body)), retired).ok).toBe(false);
  });
});

describe("google_health keyset cache", () => {
  afterEach(() => {
    googleHealthKeys.reset();
    googleHealthKeys.fetchImpl = fetch;
    googleHealthKeys.now = () => Date.now();
  });

  it("fetches the published keyset, refetches on a rotated key id, and at most once a minute", async () => {
    let served = keyset([{ key: k1 }]);
    let fetches = 0;
    let clock = 1_000_000;
    googleHealthKeys.reset();
    googleHealthKeys.now = () => clock;
    googleHealthKeys.fetchImpl = async (url) => {
      fetches++;
      expect(url).toBe("https://www.gstatic.com/googlehealthapi/webhooks/webhooks_public_keyset.json");
      return Response.json(served);
    };
    const spec = googleHealthWebhook;
    const secrets = () => undefined;
    const req1 = request(body, headersWith(signature(k1, body)));
    await spec.prepare!(req1, secrets);
    expect(spec.verify(req1, secrets)).toEqual({ ok: true });
    await spec.prepare!(req1, secrets);
    expect(fetches).toBe(1);

    served = keyset([{ key: k1 }, { key: k2 }]);
    const req2 = request(body, headersWith(signature(k2, body)));
    await spec.prepare!(req2, secrets); // within a minute of the last fetch: not refetched
    expect(spec.verify(req2, secrets).ok).toBe(false);
    clock += 61_000;
    await spec.prepare!(req2, secrets);
    expect(fetches).toBe(2);
    expect(spec.verify(req2, secrets)).toEqual({ ok: true });
  });
});

describe("google_health webhook requests", () => {
  const secret = "Bearer demo-secret-0123456789abcdef";
  const secrets = (name: string) => (name === "GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION" ? secret : undefined);

  it("answers the endpoint verification: 201 with our Authorization, 401 without or wrong", () => {
    const verification = JSON.stringify({ type: "verification" });
    expect(googleHealthWebhook.handshake!(request(verification, new Headers({ authorization: secret })), secrets)).toEqual({ status: 201 });
    expect(googleHealthWebhook.handshake!(request(verification, new Headers()), secrets)).toEqual({ status: 401 });
    expect(googleHealthWebhook.handshake!(request(verification, new Headers({ authorization: `${secret}x` })), secrets)).toEqual({ status: 401 });
    expect(googleHealthWebhook.handshake!(request(body, new Headers()), secrets)).toBeNull();
  });

  it("turns a notice into a narrow sync of the interval's days", () => {
    const [notice] = googleHealthWebhook.parse(request(body, new Headers()));
    expect(notice.providerUserId).toBe("gh-USER1");
    expect(notice.action).toEqual({ kind: "sync", resources: ["steps", "active_energy_burned"], from: "2026-03-06T16:29:00.000Z", to: "2026-03-08T16:34:00.000Z" });
    expect(googleHealthWebhook.parse(request(JSON.stringify([JSON.parse(body), JSON.parse(body)]), new Headers()))).toHaveLength(2);
    expect(() => googleHealthWebhook.parse(request(JSON.stringify({ data: { healthUserId: "x" } }), new Headers()))).toThrow();
  });
});
