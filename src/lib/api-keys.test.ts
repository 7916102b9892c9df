import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "@/lib/crypto";
import { apiKeys, users } from "@/lib/db/schema";
import { testDb, type TestDb } from "@/test/db";
import {
  ApiKeyError,
  authenticateApiKey,
  createApiKey,
  KEY_PREFIX,
  listApiKeys,
  MAX_KEYS_PER_USER,
  revokeApiKey,
} from "./api-keys";

describe("api keys", () => {
  let t: TestDb;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await testDb();
    [alice, bob] = (
      await t.db
        .insert(users)
        .values([{ email: "alice@example.com" }, { email: "bob@example.com" }])
        .returning({ id: users.id })
    ).map((r) => r.id);
  });
  afterAll(async () => t?.close());

  it("creates a random prefixed key and stores only its SHA-256 hash", async () => {
    const a = await createApiKey(t.db, alice, "  iPhone ");
    const b = await createApiKey(t.db, alice, "iPad");
    expect(a.key).toMatch(/^hb_live_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.key.slice(KEY_PREFIX.length), "base64url")).toHaveLength(32);
    expect(a.key).not.toBe(b.key);
    expect(a.name).toBe("iPhone");
    expect(a.prefix).toBe(a.key.slice(0, 14));
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, a.id));
    expect(row.hash).toBe(sha256Hex(a.key));
    expect(JSON.stringify(row)).not.toContain(a.key);
  });

  it("rejects empty or overlong names", async () => {
    await expect(createApiKey(t.db, alice, "   ")).rejects.toMatchObject({ code: "invalid_name" });
    await expect(createApiKey(t.db, alice, "x".repeat(61))).rejects.toBeInstanceOf(ApiKeyError);
    await expect(createApiKey(t.db, alice, 42)).rejects.toMatchObject({ code: "invalid_name" });
  });

  it("authenticates the exact key, records last use, and refuses near misses", async () => {
    const k = await createApiKey(t.db, bob, "Pixel");
    const now = new Date("2026-05-09T14:00:00Z");
    expect(await authenticateApiKey(t.db, k.key, now)).toEqual({ keyId: k.id, userId: bob });
    const last = k.key.at(-1) === "A" ? "B" : "A";
    expect(await authenticateApiKey(t.db, k.key.slice(0, -1) + last, now)).toBeNull();
    expect(await authenticateApiKey(t.db, k.key + "x", now)).toBeNull();
    expect(await authenticateApiKey(t.db, "", now)).toBeNull();
    expect(await authenticateApiKey(t.db, sha256Hex(k.key), now)).toBeNull();
    const [listed] = (await listApiKeys(t.db, bob)).filter((x) => x.id === k.id);
    expect(listed.lastUsedAt).toEqual(now);
  });

  it("lists only the user's own active keys, and revocation is per user", async () => {
    const k = await createApiKey(t.db, bob, "Old phone");
    await expect(revokeApiKey(t.db, alice, k.id)).rejects.toMatchObject({ code: "not_found" });
    expect(await authenticateApiKey(t.db, k.key)).not.toBeNull();
    await revokeApiKey(t.db, bob, k.id);
    expect(await authenticateApiKey(t.db, k.key)).toBeNull();
    expect((await listApiKeys(t.db, bob)).map((x) => x.name)).toEqual(["Pixel"]);
    expect((await listApiKeys(t.db, alice)).map((x) => x.name).sort()).toEqual(["iPad", "iPhone"]);
    await expect(revokeApiKey(t.db, bob, k.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(revokeApiKey(t.db, bob, "not-a-uuid")).rejects.toMatchObject({ code: "not_found" });
  });

  it("caps the number of active keys per user", async () => {
    const [{ id: carol }] = await t.db.insert(users).values({ email: "carol@example.com" }).returning({ id: users.id });
    for (let i = 0; i < MAX_KEYS_PER_USER; i++) await createApiKey(t.db, carol, `k${i}`);
    await expect(createApiKey(t.db, carol, "one more")).rejects.toMatchObject({ code: "too_many" });
  });

  it("keeps FHIR tokens and bridge keys apart: each is accepted, listed and revoked only as its own kind", async () => {
    const [{ id: dave }] = await t.db.insert(users).values({ email: "dave@example.com" }).returning({ id: users.id });
    const bridge = await createApiKey(t.db, dave, "iPhone");
    const token = await createApiKey(t.db, dave, "PHR app", "fhir");
    expect(token.key).toMatch(/^hb_fhir_[A-Za-z0-9_-]{43}$/);
    expect(token.prefix).toBe(token.key.slice(0, 14));
    expect(await authenticateApiKey(t.db, token.key, new Date(), "fhir")).toMatchObject({ userId: dave, keyId: token.id });
    expect(await authenticateApiKey(t.db, token.key)).toBeNull();
    expect(await authenticateApiKey(t.db, bridge.key, new Date(), "fhir")).toBeNull();
    // A token with the bridge prefix but a FHIR row (or the reverse) never matches: the kind is checked in SQL too.
    const forged = `hb_live_${token.key.slice(8)}`;
    expect(await authenticateApiKey(t.db, forged)).toBeNull();
    expect((await listApiKeys(t.db, dave)).map((k) => k.name)).toEqual(["iPhone"]);
    expect((await listApiKeys(t.db, dave, "fhir")).map((k) => k.name)).toEqual(["PHR app"]);
    await expect(revokeApiKey(t.db, dave, bridge.id, new Date(), "fhir")).rejects.toMatchObject({ code: "not_found" });
    await revokeApiKey(t.db, dave, token.id, new Date(), "fhir");
    expect(await authenticateApiKey(t.db, token.key, new Date(), "fhir")).toBeNull();
    expect(await authenticateApiKey(t.db, bridge.key)).not.toBeNull();
  });
});
