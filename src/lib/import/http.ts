import { getSessionUser } from "@/lib/auth/session";
import { getDb, type Db } from "@/lib/db";
import { errorSummary } from "@/lib/db/schema-state";
import { env } from "@/lib/env";
import { ImportRequestError } from "./jobs";

/** The signed-in user, the database and the data dir for an import route, or the JSON error it answers. */
export async function importRoute(
  label: string,
  handle: (ctx: { userId: string; db: Db; dataDir: string }) => Promise<Response>,
): Promise<Response> {
  const user = await getSessionUser();
  if (!user) return Response.json({ error: "Not signed in." }, { status: 401 });
  try {
    return await handle({ userId: user.id, db: await getDb(), dataDir: env().DATA_DIR });
  } catch (err) {
    if (err instanceof ImportRequestError) return Response.json({ error: err.message, ...err.extra }, { status: err.status });
    console.error(`[import] ${label} failed: ${errorSummary(err)}`);
    return Response.json({ error: "Internal error." }, { status: 500 });
  }
}

export const noStore = { "cache-control": "no-store" };
