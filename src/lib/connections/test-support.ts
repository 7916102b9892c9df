import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { demoEnv } from "@sim/clients";
import { startSimulator, type RunningSimulator } from "@sim/server";
import type { Db } from "@/lib/db";
import { users } from "@/lib/db/schema";

/** Test-only helpers shared by the connection tests that run against the simulator over HTTP. */

/**
 * Starts the simulator and points the app's configuration at it (origin override, demo client
 * credentials, fixed secrets). Call before anything reads `env()`: it is cached per test file.
 */
export async function simulatorWithAppEnv(): Promise<RunningSimulator> {
  const sim = await startSimulator({ port: 0 });
  Object.assign(process.env, demoEnv(sim.url), {
    APP_URL: "http://localhost:3000",
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    TOKEN_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString("base64")}`,
  });
  return sim;
}

export async function createUser(db: Db, label: string): Promise<string> {
  const [row] = await db
    .insert(users)
    .values({ email: `${label}-${randomBytes(4).toString("hex")}@example.test` })
    .returning({ id: users.id });
  return row.id;
}

const rowsOf = (result: unknown): Array<Record<string, unknown>> =>
  (Array.isArray(result) ? result : (result as { rows: Array<Record<string, unknown>> }).rows) ?? [];

/** Every row of every table in the public schema, as text: to assert a secret is stored nowhere in clear. */
export async function databaseText(db: Db): Promise<string> {
  const tables = rowsOf(
    await db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`),
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = rowsOf(await db.execute(sql.raw(`select t::text as r from "${String(table_name)}" t`)));
    parts.push(...rows.map((r) => String(r.r)));
  }
  return parts.join("\n");
}
