import { after } from "next/server";
import { getDb } from "@/lib/db";
import { dispatchWebhookEvents } from "@/lib/webhooks/dispatch";
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
    dispatch: (eventIds) =>
      after(() =>
        dispatchWebhookEvents(eventIds).catch((error: unknown) =>
          // The rows stay pending; the runner's poll or the sweep schedule picks them up.
          console.error(`[webhooks] ${provider}: dispatch failed:`, error instanceof Error ? error.message : error),
        ),
      ),
  });
}

export { handler as GET, handler as POST };
