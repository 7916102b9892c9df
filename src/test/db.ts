import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { openPglite, openPostgres, type Db } from "@/lib/db";

export type TestDb = { db: Db; kind: "postgres" | "pglite"; close: () => Promise<void> };

/** A fresh, migrated in-memory PGlite. */
export async function pgliteTestDb(): Promise<TestDb> {
  return openPglite();
}

/** A fresh, migrated database on the PostgreSQL server at DATABASE_URL, dropped on close. */
export async function postgresTestDb(baseUrl = process.env.DATABASE_URL!): Promise<TestDb> {
  const name = `hb_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const admin = await openPostgres(baseUrl, { max: 1 });
  await admin.db.execute(sql.raw(`CREATE DATABASE ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const handle = await openPostgres(url.toString(), { migrate: true });
  return {
    db: handle.db,
    kind: "postgres",
    close: async () => {
      await handle.close();
      await admin.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await admin.close();
    },
  };
}

/** Real PostgreSQL when DATABASE_URL is set (as in CI), otherwise PGlite. */
export function testDb(): Promise<TestDb> {
  return process.env.DATABASE_URL ? postgresTestDb() : pgliteTestDb();
}

/** Runs a suite once per available engine: PGlite always, PostgreSQL when DATABASE_URL is set. */
export const engines: Array<{ name: "pglite" | "postgres"; open: () => Promise<TestDb> }> = [
  { name: "pglite", open: pgliteTestDb },
  ...(process.env.DATABASE_URL ? [{ name: "postgres" as const, open: () => postgresTestDb() }] : []),
];
