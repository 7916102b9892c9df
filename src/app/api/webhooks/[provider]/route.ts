import { getDb } from "@/lib/db";
import { dispatchWebhookEvents } from "@/lib/webhooks/dispatch";
import { afterResponse } from "@/lib/webhooks/after-response";
import { handleWebhook } from "@/lib/webhooks/receive";

export const dynamic = "force-dynamic";

/**
 * /api/webhooks/<provider> — GET answers subscription handshakes, POST receives notices: verified on
 * the raw body, stored, acknowledged; processing is dispatched only after the answer is sent.
 * (`/api/webhooks/ingest` is a separate, static route for the phone bridges; static segments win.)
 */
async function handler(request: Request, { params }: { params: Promise<{ provider: string }> }) {
  const { provider } = await params;
  return handleWebhook(await getDb(), provider, request, {
    // The rows stay pending if this is lost: the runner's poll or the sweep schedule picks them up.
    dispatch: (eventIds) => afterResponse(`webhooks ${provider}`, () => dispatchWebhookEvents(eventIds)),
  });
}

export { handler as GET, handler as POST };
