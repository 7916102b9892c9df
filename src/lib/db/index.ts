import fs from "node:fs";
import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;
export { schema };

export const migrationsFolder = path.join(process.cwd(), "drizzle");

type Handle = { db: Db; close: () => Promise<void>; kind: "postgres" | "pglite" };

/** Opens real PostgreSQL through postgres.js. */
export async function openPostgres(url: string, opts: { migrate?: boolean; max?: number } = {}): Promise<Handle> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const client = postgres(url, { max: opts.max ?? 10, onnotice: () => {} });
  const db = drizzle(client, { schema }) as unknown as Db;
  if (opts.migrate) {
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    await migrate(db as never, { migrationsFolder });
  }
  return { db, kind: "postgres", close: () => client.end({ timeout: 5 }) };
}

/** Opens embedded PGlite (a directory, or in memory when `dir` is undefined) and applies migrations. */
export async function openPglite(dir?: string): Promise<Handle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  if (dir) fs.mkdirSync(dir, { recursive: true });
  const client = dir ? new PGlite(dir) : new PGlite();
  await client.waitReady;
  const db = drizzle(client, { schema }) as unknown as Db;
  await migrate(db as never, { migrationsFolder });
  return { db, kind: "pglite", close: () => client.close() };
}

type GlobalWithDb = typeof globalThis & { __healthbridgeDb?: Promise<Handle> };
const g = globalThis as GlobalWithDb;

/**
 * The app's database: PostgreSQL when DATABASE_URL is set, otherwise PGlite in PGLITE_DIR, migrated
 * automatically. Cached on globalThis so dev reloads reuse one connection.
 */
export function getDbHandle(): Promise<Handle> {
  if (!g.__healthbridgeDb) {
    const promise = (async () => {
      const { env } = await import("@/lib/env");
      const { DATABASE_URL, PGLITE_DIR } = env();
      return DATABASE_URL ? openPostgres(DATABASE_URL) : openPglite(path.resolve(PGLITE_DIR));
    })();
    g.__healthbridgeDb = promise;
    // A failed open must not poison every later request.
    promise.catch(() => {
      if (g.__healthbridgeDb === promise) g.__healthbridgeDb = undefined;
    });
  }
  return g.__healthbridgeDb;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}
