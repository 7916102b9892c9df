import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { users } from "@/lib/db/schema";
import { runNextImport } from "@/lib/import/jobs";
import { testDb, type TestDb } from "@/test/db";

/** The import routes as Next calls them, on a real database; only the session lookup is replaced. */

const session = vi.hoisted(() => ({ user: null as { id: string; email: string } | null, db: null as unknown }));
vi.mock("@/lib/auth/session", () => ({ getSessionUser: async () => session.user }));
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: async () => session.db,
}));

const list = await import("./route");
const one = await import("./[id]/route");

let t: TestDb;
let dataDir: string;
const savedEnv = { ...process.env };
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "import-routes-"));
  Object.assign(process.env, {
    DATA_DIR: dataDir,
    TOKEN_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString("base64")}`,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
  });
  t = await testDb();
  session.db = t.db;
  const [u] = await t.db.insert(users).values({ email: `routes-${Date.now()}@example.test` }).returning({ id: users.id });
  session.user = { id: u.id, email: "x" };
}, 60_000);
afterAll(async () => {
  process.env = savedEnv;
  await t?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const params = (id: string) => ({ params: Promise.resolve({ id }) });
const url = (p: string) => `http://localhost:3000/api/import${p}`;

describe("/api/import", () => {
  it("creates, takes chunks, reports progress and the summary", async () => {
    const bytes = fs.readFileSync(path.join(process.cwd(), "src/lib/import/fixtures/activity.tcx"));
    const created = await list.POST(
      new Request(url(""), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ fileName: "ride.tcx", size: bytes.length }) }),
    );
    expect(created.status).toBe(201);
    const { job, chunkBytes } = (await created.json()) as { job: { id: string }; chunkBytes: number };
    expect(chunkBytes).toBeGreaterThan(0);
    const half = Math.floor(bytes.length / 2);
    for (const [from, to] of [
      [0, half],
      [half, bytes.length],
    ]) {
      const res = await one.PUT(
        new Request(url(`/${job.id}?offset=${from}`), { method: "PUT", body: bytes.subarray(from, to), duplex: "half" } as RequestInit),
        params(job.id),
      );
      expect(res.status).toBe(200);
    }
    const gap = await one.PUT(new Request(url(`/${job.id}?offset=0`), { method: "PUT", body: "x" }), params(job.id));
    expect(gap.status).toBe(409);
    expect(await runNextImport(t.db, { dataDir })).toBe(true);
    const status = (await (await one.GET(new Request(url(`/${job.id}`)), params(job.id))).json()) as {
      job: { status: string; summary: { records: Record<string, number> } };
    };
    expect(status.job.status).toBe("succeeded");
    expect(status.job.summary.records.activity).toBe(1);
    const all = (await (await list.GET()).json()) as { jobs: Array<{ id: string }> };
    expect(all.jobs.map((j) => j.id)).toContain(job.id);
  }, 60_000);

  it("answers precise 4xx", async () => {
    const bad = await list.POST(new Request(url(""), { method: "POST", body: "not json" }));
    expect(bad.status).toBe(400);
    const type = await list.POST(new Request(url(""), { method: "POST", body: JSON.stringify({ fileName: "a.exe", size: 1 }) }));
    expect(type.status).toBe(415);
    expect((await one.GET(new Request(url("/nope")), params("nope"))).status).toBe(404);
    const saved = session.user;
    session.user = null;
    expect((await list.GET()).status).toBe(401);
    session.user = saved;
  }, 60_000);
});
