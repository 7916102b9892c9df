/**
 * `npm run reconcile -- <e-mail or user id>`: rebuilds one user's reconciled record from their
 * per-source rows (after changing reconciliation rules, or to check a suspicion). Uses the app's
 * database (DATABASE_URL, else the embedded PGlite in PGLITE_DIR). `--all` rebuilds every user.
 */
import { eq, or, sql } from "drizzle-orm";
import { getDbHandle } from "@/lib/db";
import { users } from "@/lib/db/schema";
import { recomputeUser } from "@/lib/reconcile/store";

const arg = process.argv[2];
if (!arg) {
  console.error("usage: npm run reconcile -- <e-mail | user id | --all>");
  process.exit(2);
}
const { db, close } = await getDbHandle();
try {
  const isUuid = /^[0-9a-f-]{36}$/i.test(arg);
  const list =
    arg === "--all"
      ? await db.select({ id: users.id, email: users.email }).from(users)
      : await db
          .select({ id: users.id, email: users.email })
          .from(users)
          .where(isUuid ? or(eq(users.id, arg), eq(users.email, arg)) : sql`lower(${users.email}) = lower(${arg})`);
  if (!list.length) {
    console.error(`No user ${JSON.stringify(arg)}.`);
    process.exitCode = 1;
  }
  for (const u of list) {
    const started = performance.now();
    const { days } = await recomputeUser(db, u.id);
    console.log(`${u.email}: ${days} day(s) rebuilt in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  await close();
}
