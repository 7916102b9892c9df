import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Db } from "@/lib/db";
import { handleWebhook, type HandleWebhookOptions } from "./receive";

/**
 * Test-only: the app's `/api/webhooks/<provider>` served over loopback HTTP by the same
 * `handleWebhook` the Next route calls, so the simulator can deliver real requests to it.
 */

export type WebhookApp = {
  url: string;
  /** Event ids handed to `dispatch`, in order. */
  dispatched: string[];
  close(): Promise<void>;
};

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const method = req.method ?? "GET";
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks),
  });
}

/** `db` may be a getter, so one server can serve several test databases in turn. */
export async function startWebhookApp(db: Db | (() => Db), opts: HandleWebhookOptions = {}): Promise<WebhookApp> {
  const dbOf = typeof db === "function" ? db : () => db;
  const dispatched: string[] = [];
  let origin = "";
  const server = createServer((req, res) => {
    (async () => {
      const m = /^\/api\/webhooks\/([^/?]+)/.exec(req.url ?? "");
      if (!m) {
        res.writeHead(404).end();
        return;
      }
      const response = await handleWebhook(dbOf(), decodeURIComponent(m[1]), await toRequest(req, origin), {
        ...opts,
        dispatch: (ids) => {
          dispatched.push(...ids);
          opts.dispatch?.(ids);
        },
      });
      const body = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(body);
    })().catch((error: unknown) => {
      console.error("[webhook test app]", error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // As in the simulator: never drop an idle keep-alive socket under a loaded client (ECONNRESET).
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    dispatched,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle sockets would otherwise keep close() waiting for the client to hang up.
        server.closeAllConnections();
      }),
  };
}
