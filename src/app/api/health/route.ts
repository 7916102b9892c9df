import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db";
import { errorSummary, NOT_MIGRATED, schemaState } from "@/lib/db/schema-state";

export const dynamic = "force-dynamic";

/** 200 only when the database answers AND has every migration of this build applied. */
export async function GET() {
  try {
    const db = await getDb();
    await db.execute(sql`select 1`);
    const state = await schemaState(db);
    if (state.status !== "ok")
      return Response.json(
        { status: "error", db: "not_migrated", reason: NOT_MIGRATED, applied: state.applied, expected: state.expected },
        { status: 503, headers: { "cache-control": "no-store" } },
      );
    return Response.json({ status: "ok", db: "ok" }, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    return Response.json({ status: "error", db: "unreachable", reason: errorSummary(error) }, { status: 503 });
  }
}
