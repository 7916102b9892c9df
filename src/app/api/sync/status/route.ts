import { getSessionUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { syncStatus } from "@/lib/sync/status";

export const dynamic = "force-dynamic";

/** The signed-in user's per-connection sync status (polled by the settings page while a sync runs). */
export async function GET() {
  const user = await getSessionUser();
  if (!user) return Response.json({ error: "not signed in" }, { status: 401 });
  const connections = await syncStatus(await getDb(), user.id);
  return Response.json({ connections }, { headers: { "cache-control": "no-store" } });
}
