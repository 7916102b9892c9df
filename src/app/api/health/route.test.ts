import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openPostgres, type Db } from "@/lib/db";
import { startPoller } from "@/lib/jobs/poller";
import { claimableRuns } from "@/lib/sync/runs";
import { engines, type TestDb } from "@/test/db";

/**
 * Against a database nobody migrated: /api/health says 503 "not migrated" (it said ok), sign-up
 * answers with a server failure (it threw, and the form spun on "Please wait…"), and the poller
 * logs one short line instead of the full SQL every poll.
 */

const state = vi.hoisted(() => ({ db: null as unknown }));
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/db")>()),
  getDb: async () => state.db,
}));

const { GET } = await import("./route");
const { signUpAction } = await import("@/app/signup/actions");

/** An empty database on the same engine: PGlite without migrations, or a fresh PostgreSQL database. */
async function unmigrated(engine: string): Promise<{ db: Db; close: () => Promise<void> }> {
  if (engine === "pglite") {
    const { PGlite } = await import("@electric-sql/pglite");
    const { drizzle } = await import("drizzle-orm/pglite");
    const client = new PGlite();
    return { db: drizzle(client) as unknown as Db, close: () => client.close() };
  }
  const name = `hb_unmigrated_${randomBytes(4).toString("hex")}`;
  const admin = await openPostgres(process.env.DATABASE_URL!, { max: 1 });
  await admin.db.execute(sql.raw(`CREATE DATABASE ${name}`));
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  const handle = await openPostgres(url.toString(), { max: 2 });
  return {
    db: handle.db,
    close: async () => {
      await handle.close();
      await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await admin.close();
    },
  };
}

describe.each(engines)("schema state ($name)", ({ name, open }) => {
  let empty: Awaited<ReturnType<typeof unmigrated>>;
  let migrated: TestDb;
  beforeAll(async () => {
    empty = await unmigrated(name);
    migrated = await open();
  });
  afterAll(async () => {
    await empty?.close();
    await migrated?.close();
  });

  it("health: 503 'not migrated' on an empty database, ok on a migrated one", async () => {
    state.db = empty.db;
    const res = await GET();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "error", db: "not_migrated", reason: "database not migrated — run npm run db:migrate" });

    state.db = migrated.db;
    const ok = await GET();
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: "ok", db: "ok" });
  });

  it("health: 503 when a migration of this build is missing", async () => {
    state.db = migrated.db;
    const [last] = ((r: unknown) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows))(
      await migrated.db.execute(sql`select id from drizzle.__drizzle_migrations order by created_at desc limit 1`),
    ) as Array<{ id: number }>;
    await migrated.db.execute(sql`update drizzle.__drizzle_migrations set created_at = 1 where id = ${last.id}`);
    const res = await GET();
    expect(res.status).toBe(503);
    const journal = JSON.parse(fs.readFileSync(path.join(process.cwd(), "drizzle/meta/_journal.json"), "utf8")) as { entries: unknown[] };
    expect(await res.json()).toMatchObject({ db: "not_migrated", applied: journal.entries.length - 1, expected: journal.entries.length });
  });

  it("sign-up answers with a server failure instead of throwing", async () => {
    state.db = empty.db;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const result = await signUpAction({ email: "new@example.test", password: "correct-horse-42" });
      expect(result).toEqual({ ok: false, error: expect.stringMatching(/not migrated.*npm run db:migrate/) });
      expect(errors.mock.calls.flat().join(" ")).not.toMatch(/insert into|select /i);
      expect(errors.mock.calls.flat().join(" ")).not.toContain("correct-horse-42");
    } finally {
      errors.mockRestore();
    }
  });

  it("the poller logs one short line while the schema is missing, not the SQL every poll", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    let ticks = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const poller = startPoller({
      label: "sync",
      pollMs: 1,
      tick: async () => {
        if (++ticks === 5) done();
        await claimableRuns(empty.db);
      },
    });
    try {
      poller.wake();
      await finished;
      await poller.stop();
      const lines = errors.mock.calls.map((c) => c.join(" "));
      expect(lines).toEqual(["[sync] runner poll failed: database not migrated — run npm run db:migrate"]);
    } finally {
      errors.mockRestore();
    }
  });
});
