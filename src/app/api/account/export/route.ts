import { exportAccount } from "@/lib/account";
import { getSessionUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";

export const dynamic = "force-dynamic";

/** Settings → Your account → Export: every row of the signed-in user as one JSON download (no secrets). */
export async function GET(): Promise<Response> {
  const user = await getSessionUser();
  if (!user) return Response.json({ error: "Sign in to export your data." }, { status: 401 });
  const now = new Date();
  const data = await exportAccount(await getDb(), user.id, now);
  if (!data) return Response.json({ error: "This account no longer exists." }, { status: 404 });
  return new Response(JSON.stringify(data, null, 2), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="healthbridge-export-${now.toISOString().slice(0, 10)}.json"`,
      "cache-control": "no-store",
    },
  });
}
