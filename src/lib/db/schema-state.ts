import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Db } from "./index";
import { migrationsFolder } from "./index";
import { rowsOf } from "@/lib/db/rows";

/**
 * Is the database's schema the one this build expects? PostgreSQL is migrated by the operator
 * (`npm run db:migrate`; the server does not migrate it at start, so two versions never fight over
 * one schema), embedded PGlite at open. Compared with drizzle's own bookkeeping: the migrator
 * records each applied migration's folder timestamp (`when` in drizzle/meta/_journal.json).
 */

export const NOT_MIGRATED = "database not migrated — run npm run db:migrate";

export type SchemaState = { status: "ok" } | { status: "not_migrated"; applied: number; expected: number };

let journal: number[] | undefined;
function expectedMigrations(): number[] {
  journal ??= (
    JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as { entries: Array<{ when: number }> }
  ).entries.map((e) => e.when);
  return journal;
}


export async function schemaState(db: Db): Promise<SchemaState> {
  const expected = expectedMigrations();
  const [exists] = rowsOf(await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`));
  if (!exists?.present) return { status: "not_migrated", applied: 0, expected: expected.length };
  const applied = new Set(
    rowsOf(await db.execute(sql`select created_at from drizzle.__drizzle_migrations`)).map((r) => Number(r.created_at)),
  );
  const count = expected.filter((when) => applied.has(when)).length;
  return count === expected.length ? { status: "ok" } : { status: "not_migrated", applied: count, expected: expected.length };
}

type Chain = { code?: unknown; message?: unknown; cause?: unknown };

/** True when `error` (or a cause: drizzle wraps driver errors) says a table, column or schema is missing. */
export function isSchemaMissing(error: unknown): boolean {
  for (let e = error as Chain | undefined, i = 0; e && i < 5; e = e.cause as Chain | undefined, i++) {
    if (e.code === "42P01" || e.code === "42703" || e.code === "3F000" || e.code === "42704") return true;
  }
  return false;
}

/** True when PostgreSQL chose `error`'s transaction as a deadlock's victim (or a serialization failure): retrying it is safe. */
export function isRetryableConflict(error: unknown): boolean {
  for (let e = error as Chain | undefined, i = 0; e && i < 5; e = e.cause as Chain | undefined, i++) {
    if (e.code === "40P01" || e.code === "40001") return true;
  }
  return false;
}

/**
 * Runs `work` (one transaction) again when PostgreSQL aborted it to break a deadlock: the other side
 * has committed or rolled back by then. For writes that must not fail because a sync run was writing
 * the same rows at that moment (disconnect with delete against a running backfill).
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isRetryableConflict(error)) throw error;
    }
  }
}

/**
 * One short line for a log: the driver's own message, never drizzle's "Failed query: <SQL> params:
 * <values>" wrapper (the SQL is noise every poll, and the values may be personal data).
 */
export function errorSummary(error: unknown): string {
  if (isSchemaMissing(error)) return NOT_MIGRATED;
  let e = error as Chain | undefined;
  while (e && typeof e.message === "string" && e.message.startsWith("Failed query:") && e.cause) e = e.cause as Chain;
  const message = e && typeof e.message === "string" ? e.message : String(error);
  const firstLine = message.split("\n")[0];
  return firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine;
}

/** Logs a failed form action in one line and returns what the form shows instead of spinning. */
export function serverFailure(error: unknown, what: string): string {
  console.error(`[${what}] failed: ${errorSummary(error)}`);
  return isSchemaMissing(error)
    ? "The server's database is not set up yet (not migrated). The operator needs to run npm run db:migrate."
    : "The server could not process this request. Try again in a moment.";
}
