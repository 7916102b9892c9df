import { getDb } from "@/lib/db";
import { handleDeauthorization } from "@/lib/destinations/beeminder/connection";

export const dynamic = "force-dynamic";

const MAX_BODY = 4096;

/**
 * POST /api/beeminder/deauthorize — Beeminder's de-authorization callback (beeminder.md B.2 step 5):
 * body param `access_token` is the revoked token. 204 whether or not it matched (nothing to learn).
 */
export async function POST(req: Request) {
  const text = await req.text();
  if (text.length > MAX_BODY) return new Response("body too large\n", { status: 413 });
  const type = req.headers.get("content-type") ?? "";
  let token: string | null = null;
  if (/json/i.test(type)) {
    try {
      const body = JSON.parse(text) as { access_token?: unknown };
      token = typeof body.access_token === "string" ? body.access_token : null;
    } catch {
      return new Response("invalid JSON\n", { status: 400 });
    }
  } else token = new URLSearchParams(text).get("access_token");
  if (!token) return new Response("access_token is required\n", { status: 400 });
  await handleDeauthorization(await getDb(), token);
  return new Response(null, { status: 204 });
}
