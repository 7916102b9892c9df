import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { fixture, rowsOf, userWithKey } from "@/lib/ingest/testing";
import { testDb, type TestDb } from "@/test/db";

/** The route handler as Next calls it: a plain function of a Request, on a test database. */

const injected = vi.hoisted(() => ({ db: null as unknown }));
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: async () => injected.db,
}));

const { POST } = await import("./route");

let t: TestDb;
const savedEnv = { ...process.env };
beforeAll(async () => {
  Object.assign(process.env, {
    APP_URL: "http://localhost:3000",
    TOKEN_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString("base64")}`,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    INGEST_MAX_BODY_BYTES: "2048",
  });
  t = await testDb();
  injected.db = t.db;
});
afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await t?.close();
});

const request = (body: string, headers: Record<string, string>) =>
  new Request("http://localhost:3000/api/webhooks/ingest", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

describe("POST /api/webhooks/ingest", () => {
  it("stores a Health Auto Export payload for the key's owner", async () => {
    const u = await userWithKey(t.db);
    const res = await POST(request(fixture("hae-v2-metrics-docderived.json"), { "x-api-key": u.key }));
    expect(res.status).toBe(200);
    expect((await res.json()).counts.measurement.inserted).toBe(5);
    expect((await rowsOf(t.db, u.userId)).measurement).toHaveLength(5);
  });

  it("refuses a missing key with 401", async () => {
    const res = await POST(request(fixture("hae-v2-metrics-docderived.json"), {}));
    expect(res.status).toBe(401);
  });

  it("applies INGEST_MAX_BODY_BYTES from the environment", async () => {
    const u = await userWithKey(t.db);
    const res = await POST(request(fixture("hae-v2-workouts-docderived.json"), { "x-api-key": u.key })); // 2313 bytes
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ limit_bytes: 2048 });
    expect((await rowsOf(t.db, u.userId)).activity).toEqual([]);
  });
});
