/**
 * `npm run db:migrate`: applies drizzle/ migrations to DATABASE_URL (PostgreSQL) or, when it is
 * unset, to the embedded PGlite directory (PGLITE_DIR, default .data/pglite). Same migrator the app uses.
 */
import path from "node:path";
import { openPglite, openPostgres } from "../src/lib/db";

const url = process.env.DATABASE_URL;
const started = Date.now();
const handle = url
  ? await openPostgres(url, { migrate: true, max: 1 })
  : await openPglite(path.resolve(process.env.PGLITE_DIR || ".data/pglite"));
await handle.close();
console.log(`migrations applied to ${url ? "PostgreSQL" : "PGlite"} in ${Date.now() - started} ms`);
