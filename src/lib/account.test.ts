import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { createApiKey } from "@/lib/api-keys";
import { openToken } from "@/lib/crypto/keyring";
import { activities, apiKeys, measurements, providerConnections, users } from "@/lib/db/schema";
import { applySimulatorEnv, connectAs, newUser } from "@/lib/sync/test-support";
import { testDb, type TestDb } from "@/test/db";

/** Settings → Your account: export everything (no secrets), delete everything (revoked at providers). */

const session = vi.hoisted(() => ({ user: null as { id: string; email: string } | null, db: null as unknown }));
vi.mock("@/lib/auth/session", () => ({ getSessionUser: async () => session.user }));
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: async () => session.db,
}));

const { deleteAccount, exportAccount } = await import("./account");
const { GET: exportGET } = await import("@/app/api/account/export/route");

let sim: RunningSimulator;
let t: TestDb;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  applySimulatorEnv(sim);
  t = await testDb();
  session.db = t.db;
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

async function userWithEverything() {
  const userId = await newUser(t.db, "account");
  const account = `acct-${randomBytes(3).toString("hex")}`;
  const strava = await connectAs(t.db, sim, userId, "strava", account);
  const oura = await connectAs(t.db, sim, userId, "oura", account);
  const key = await createApiKey(t.db, userId, "iPhone");
  await t.db.insert(activities).values({ userId, provider: "strava", externalId: "a1", type: "run", startAt: new Date("2024-01-01T08:00:00Z"), localDate: "2024-01-01" });
  await t.db.insert(measurements).values({ userId, provider: "apple_health", type: "weight", measuredAt: new Date("2024-01-01T07:00:00Z"), value: 70, unit: "kg" });
  const secrets = [strava, oura].flatMap((c) => [c.accessTokenEnc!, c.refreshTokenEnc, openToken(c.accessTokenEnc!), c.refreshTokenEnc ? openToken(c.refreshTokenEnc) : null]);
  const [{ hash }] = await t.db.select({ hash: apiKeys.hash }).from(apiKeys).where(eq(apiKeys.id, key.id));
  return { userId, account, secrets: [...secrets, key.key, hash].filter((s): s is string => !!s) };
}

describe("export", () => {
  it("holds every row of the user and no token, sealed or not, nor key hashes", async () => {
    const { userId, secrets } = await userWithEverything();
    const other = await newUser(t.db, "other");
    await t.db.insert(activities).values({ userId: other, provider: "strava", externalId: "x", type: "ride", startAt: new Date(), localDate: "2024-01-02" });

    const data = (await exportAccount(t.db, userId, new Date("2030-01-01T00:00:00Z")))!;
    expect(data.exportedAt).toBe("2030-01-01T00:00:00.000Z");
    expect(data.connections.map((c) => c.provider).sort()).toEqual(["oura", "strava"]);
    expect(data.activities.map((a) => a.externalId)).toEqual(["a1"]);
    expect(data.measurements).toHaveLength(1);
    expect(data.apiKeys).toHaveLength(1);
    // The FHIR view of the same record: the Patient, the sources, the weighing as an Observation.
    const fhir = data.fhir!;
    expect(fhir.type).toBe("collection");
    const byType = (type: string) => fhir.entry.filter((e: { resource: { resourceType: string } }) => e.resource.resourceType === type).map((e: { resource: unknown }) => e.resource);
    expect(byType("Patient").map((p: { id: string }) => p.id)).toEqual([userId]);
    expect(byType("Observation").map((o: { code: { coding: Array<{ code: string }> }; valueQuantity: { value: number } }) => [o.code.coding[0].code, o.valueQuantity.value])).toEqual([["29463-7", 70]]);
    expect(byType("Device").length).toBeGreaterThan(0);
    const text = JSON.stringify(data);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/password_?hash|accessTokenEnc|refreshTokenEnc|tokenSecretEnc|credentialHash/i);
  });

  it("the route: 401 when signed out, a JSON attachment when signed in", async () => {
    session.user = null;
    expect((await exportGET()).status).toBe(401);
    const { userId } = await userWithEverything();
    const [u] = await t.db.select().from(users).where(eq(users.id, userId));
    session.user = { id: u.id, email: u.email };
    const res = await exportGET();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="healthbridge-export-\d{4}-\d{2}-\d{2}\.json"$/);
    expect((await res.json()).user.email).toBe(u.email);
  });
});

describe("delete", () => {
  it("revokes at every provider, then deletes keys, tokens and data; other users keep theirs", async () => {
    const { userId, account } = await userWithEverything();
    const other = await newUser(t.db, "keeper");
    await t.db.insert(measurements).values({ userId: other, provider: "apple_health", type: "weight", measuredAt: new Date(), value: 80, unit: "kg" });

    const result = await deleteAccount(t.db, userId);
    expect(result.deleted).toBe(true);
    expect(result.providers.map((p) => [p.provider, p.revoked]).sort()).toEqual([["oura", true], ["strava", true]]);
    for (const provider of ["strava", "oura"]) {
      const remote = sim.state.connections({ provider, account });
      expect(remote[remote.length - 1].status).toBe("revoked");
    }
    expect(await t.db.select().from(users).where(eq(users.id, userId))).toHaveLength(0);
    for (const table of [providerConnections, apiKeys, activities, measurements])
      expect(await t.db.$count(table, eq(table.userId, userId))).toBe(0);
    expect(await t.db.$count(measurements, eq(measurements.userId, other))).toBe(1);
    expect(await deleteAccount(t.db, userId)).toEqual({ deleted: false, providers: [] });
  });
});
