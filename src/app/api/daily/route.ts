import { getSessionUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { dailyResponse } from "@/lib/reconcile/read";

export const dynamic = "force-dynamic";

/** The reconciled value per day and metric, with its sources: `?from=YYYY-MM-DD&to=YYYY-MM-DD[&metric=steps,sleep]`. */
export async function GET(request: Request): Promise<Response> {
  const user = await getSessionUser();
  if (!user) return Response.json({ error: "Sign in to read your data." }, { status: 401 });
  return dailyResponse(await getDb(), user.id, new URL(request.url));
}
