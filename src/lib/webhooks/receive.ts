import { createHash } from "node:crypto";
import { and, count, eq, gt, inArray } from "drizzle-orm";
import { openToken } from "@/lib/crypto/keyring";
import type { Db } from "@/lib/db";
import { providerConnections, webhookEvents } from "@/lib/db/schema";
import { providerVar } from "@/lib/env";
import { isProviderId, providers } from "@/lib/providers";
import {
  WebhookParseError,
  type ProviderId,
  type WebhookNotice,
  type WebhookReply,
  type WebhookRequest,
  type WebhookSecrets,
  type WebhookSpec,
} from "@/lib/providers/types";

/**
 * Receiving a provider notice (`/api/webhooks/<provider>`), in this order:
 * 1. handshakes (GET challenges, Polar's PING) are answered and nothing is stored;
 * 2. the raw body is verified (signature / shared secret / client id) before anything in it is
 *    trusted; a failure gets the status the provider expects and a `rejected` row for the operator;
 * 3. the body is split into notices, each matched to a known connection (unknown user or a notice
 *    the connection never asked for → an `ignored` row, logged) and stored as `pending`, deduplicated
 *    by its content key;
 * 4. the acknowledgement goes out. Processing happens afterwards (`dispatch`, then process.ts):
 *    never inline, so the provider's deadline (Withings 2 s, Garmin 30 s) is always met.
 *
 * What anonymous requests can make us store is bounded: at most MAX_PENDING_PER_CONNECTION notices
 * wait per connection and MAX_PENDING_PER_PROVIDER per provider (past that: 429 with Retry-After,
 * nothing stored, so a real provider delivers again later), and at most MAX_UNTRUSTED_ROWS_PER_HOUR
 * ignored or rejected rows are kept per provider and hour (past that they are only counted in the log).
 */

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const MAX_PENDING_PER_CONNECTION = 200;
export const MAX_PENDING_PER_PROVIDER = 5_000;
export const MAX_UNTRUSTED_ROWS_PER_HOUR = 1_000;
const WAITING: Array<"pending" | "processing"> = ["pending", "processing"];
/** What a rejected row keeps of the body, for the operator. */
const REJECTED_BODY_CHARS = 16 * 1024;
/** Headers every stored event keeps; each provider adds its own (`keptHeaders`). Never cookies or secrets. */
const KEPT_HEADERS = ["content-type", "user-agent"];

export type HandleWebhookOptions = {
  /** Receives the ids of newly stored pending events once the answer is ready; must not process inline. */
  dispatch?: (eventIds: string[]) => void;
  secrets?: WebhookSecrets;
  now?: () => Date;
};

const jsonResponse = (status: number, body?: unknown): Response =>
  status === 204 || status === 304 || body === undefined
    ? new Response(null, { status })
    : Response.json(body, { status, headers: { "cache-control": "no-store" } });

const replyResponse = (reply: WebhookReply) => jsonResponse(reply.status, reply.body);

type BodyRead = { kind: "ok"; body: Buffer } | { kind: "too_large" } | { kind: "incomplete"; reason: string };

/**
 * Reads the body up to `max` bytes. A body cut short (the connection dropped, or fewer bytes than
 * its Content-Length) is `incomplete`: a delivery failure to be retried, never a malformed notice.
 */
async function readBody(request: Request, max: number): Promise<BodyRead> {
  const header = request.headers.get("content-length");
  const declared = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  if (declared !== undefined && declared > max) return { kind: "too_large" };
  if (!request.body) return { kind: "ok", body: Buffer.alloc(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        return { kind: "too_large" };
      }
      chunks.push(value);
    }
  } catch (error) {
    return { kind: "incomplete", reason: `the body was cut off after ${size} bytes (${error instanceof Error ? error.message : "read failed"})` };
  }
  if (declared !== undefined && size !== declared) return { kind: "incomplete", reason: `${size} of the ${declared} bytes its Content-Length announced arrived` };
  return { kind: "ok", body: Buffer.concat(chunks) };
}

function keptHeaders(headers: Headers, provider: string): Record<string, string> {
  const out: Record<string, string> = {};
  const own = isProviderId(provider) ? (providers[provider].webhook?.keptHeaders ?? []) : [];
  for (const name of [...KEPT_HEADERS, ...own]) {
    const value = headers.get(name);
    if (value !== null) out[name] = value.slice(0, 512);
  }
  return out;
}

/** Whether this provider's ignored/rejected rows of the last hour leave room for one more. */
async function roomForUntrusted(db: Db, provider: ProviderId, now: Date): Promise<boolean> {
  const [{ n }] = await db
    .select({ n: count() })
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.provider, provider),
        inArray(webhookEvents.status, ["ignored", "rejected"]),
        gt(webhookEvents.receivedAt, new Date(now.getTime() - 3_600_000)),
      ),
    );
  if (n < MAX_UNTRUSTED_ROWS_PER_HOUR) return true;
  console.warn(`[webhooks] ${provider}: ${MAX_UNTRUSTED_ROWS_PER_HOUR} ignored/rejected notices this hour; not storing more`);
  return false;
}

async function waitingCount(db: Db, where: ReturnType<typeof eq>): Promise<number> {
  const [{ n }] = await db
    .select({ n: count() })
    .from(webhookEvents)
    .where(and(where, inArray(webhookEvents.status, WAITING)));
  return n;
}

const tooMany = (message: string) =>
  new Response(JSON.stringify({ error: "too_many_notices", message }), {
    status: 429,
    headers: { "content-type": "application/json", "retry-after": "60", "cache-control": "no-store" },
  });

/** Writes a `rejected` row; the same bad request twice stays one row. */
async function recordRejected(db: Db, provider: ProviderId, req: WebhookRequest, reason: string, body = req.rawBody.toString("utf8")) {
  if (!(await roomForUntrusted(db, provider, req.receivedAt))) return;
  const key = createHash("sha256")
    .update(`${req.method}\n${req.url.search}\n${JSON.stringify(keptHeaders(req.headers, provider))}\n`)
    .update(req.rawBody)
    .digest("hex");
  await db
    .insert(webhookEvents)
    .values({
      provider,
      dedupeKey: `rejected:${key}`,
      status: "rejected",
      reason: reason.slice(0, 500),
      headers: keptHeaders(req.headers, provider),
      body: body.slice(0, REJECTED_BODY_CHARS),
      receivedAt: req.receivedAt,
      processedAt: req.receivedAt,
    })
    .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.dedupeKey] });
  console.warn(`[webhooks] ${provider}: rejected (${reason})`);
}

type Match = { status: "pending"; userId: string; connectionId: string } | { status: "ignored"; reason: string; userId?: string; connectionId?: string };

/** Binds a notice to the connection of its provider user, or says why it is ignored. */
async function matchConnection(db: Db, provider: ProviderId, spec: WebhookSpec, notice: WebhookNotice): Promise<Match> {
  const [conn] = await db
    .select()
    .from(providerConnections)
    .where(and(eq(providerConnections.provider, provider), eq(providerConnections.providerUserId, notice.providerUserId)));
  if (!conn) return { status: "ignored", reason: `no connection for ${provider} user ${notice.providerUserId}` };
  const ids = { userId: conn.userId, connectionId: conn.id };
  if (conn.status === "revoked") return { status: "ignored", reason: "the connection is revoked", ...ids };
  const refused = spec.accepts?.(notice, {
    authKind: conn.authKind,
    meta: (conn.meta ?? {}) as Record<string, unknown>,
    accessToken: () => (conn.accessTokenEnc ? openToken(conn.accessTokenEnc) : ""),
  });
  if (refused) return { status: "ignored", reason: refused, ...ids };
  return { status: "pending", ...ids };
}

/**
 * Handles one request to `/api/webhooks/<provider>` and returns the answer. Takes the database
 * first so tests drive it directly with real `Request` objects.
 */
export async function handleWebhook(db: Db, provider: string, request: Request, opts: HandleWebhookOptions = {}): Promise<Response> {
  if (!isProviderId(provider) || !providers[provider].webhook) {
    return jsonResponse(404, { error: "not_found", message: `no webhook for provider "${provider}"` });
  }
  const spec = providers[provider].webhook!;
  const secrets = opts.secrets ?? providerVar;
  const method = request.method.toUpperCase();
  if (!["GET", "HEAD", "POST"].includes(method)) {
    return jsonResponse(405, { error: "method_not_allowed", message: `${method} is not allowed here` });
  }
  const started = Date.now();
  const receivedAt = opts.now?.() ?? new Date();
  const max = spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const read: BodyRead = method === "POST" ? await readBody(request, max) : { kind: "ok", body: Buffer.alloc(0) };
  const req: WebhookRequest = { method, url: new URL(request.url), headers: request.headers, rawBody: read.kind === "ok" ? read.body : Buffer.alloc(0), receivedAt };
  if (read.kind === "too_large") {
    await recordRejected(db, provider, req, `body larger than ${max} bytes`, "");
    return jsonResponse(413, { error: "payload_too_large", message: `the body is larger than ${max} bytes` });
  }
  if (read.kind === "incomplete") {
    // Transient: 503 with Retry-After makes the provider deliver again; the row tells the operator.
    await recordRejected(db, provider, req, `delivery incomplete, the provider was asked to retry: ${read.reason}`, "");
    return new Response(JSON.stringify({ error: "incomplete_body", message: "the body did not arrive whole; please retry" }), {
      status: 503,
      headers: { "content-type": "application/json", "retry-after": "30", "cache-control": "no-store" },
    });
  }

  const handshake = spec.handshake?.(req, secrets) ?? null;
  if (handshake) {
    if (handshake.status >= 400) await recordRejected(db, provider, req, `${method} handshake refused (wrong verification token)`, "");
    return replyResponse(handshake);
  }
  if (method !== "POST") {
    return jsonResponse(spec.handshake ? 400 : 405, {
      error: spec.handshake ? "invalid_request" : "method_not_allowed",
      message: spec.handshake ? "not a subscription handshake" : "notices are POSTed",
    });
  }

  await spec.prepare?.(req, secrets);
  const verdict = spec.verify(req, secrets);
  if (!verdict.ok) {
    await recordRejected(db, provider, req, verdict.reason);
    return jsonResponse(spec.rejectStatus, { error: "unauthorized", message: "the notice could not be verified" });
  }

  let notices: WebhookNotice[];
  try {
    notices = spec.parse(req);
  } catch (error) {
    if (!(error instanceof WebhookParseError) && !(error instanceof Error && error.name === "ZodError")) throw error;
    await recordRejected(db, provider, req, error.message);
    return jsonResponse(400, { error: "invalid_request", message: error.message });
  }

  if ((await waitingCount(db, eq(webhookEvents.provider, provider))) >= MAX_PENDING_PER_PROVIDER) {
    console.warn(`[webhooks] ${provider}: ${MAX_PENDING_PER_PROVIDER} notices already wait; asked the sender to retry`);
    return tooMany("too many notices are waiting to be processed; please retry later");
  }

  const pending: string[] = [];
  /** Waiting notices per connection, counted once per request and then kept up to date here. */
  const waiting = new Map<string, number>();
  let throttled = 0;
  for (const notice of notices) {
    const match = await matchConnection(db, provider, spec, notice);
    if (match.status === "pending") {
      const n = waiting.get(match.connectionId) ?? (await waitingCount(db, eq(webhookEvents.connectionId, match.connectionId)));
      if (n >= MAX_PENDING_PER_CONNECTION) {
        throttled++;
        waiting.set(match.connectionId, n);
        continue;
      }
      waiting.set(match.connectionId, n + 1);
    } else if (!(await roomForUntrusted(db, provider, receivedAt))) {
      continue;
    }
    const [row] = await db
      .insert(webhookEvents)
      .values({
        provider,
        dedupeKey: notice.dedupeKey,
        userId: match.userId ?? null,
        connectionId: match.connectionId ?? null,
        status: match.status,
        reason: match.status === "ignored" ? match.reason : null,
        headers: keptHeaders(req.headers, provider),
        body: notice.body,
        receivedAt,
        processedAt: match.status === "ignored" ? receivedAt : null,
      })
      .onConflictDoNothing({ target: [webhookEvents.provider, webhookEvents.dedupeKey] })
      .returning({ id: webhookEvents.id });
    if (!row) {
      // A duplicate: the stored one stands (and was not one more waiting notice).
      if (match.status === "pending") waiting.set(match.connectionId, (waiting.get(match.connectionId) ?? 1) - 1);
      continue;
    }
    if (match.status === "ignored") console.warn(`[webhooks] ${provider}: ignored (${match.reason})`);
    else pending.push(row.id);
  }
  if (throttled) {
    console.warn(`[webhooks] ${provider}: ${throttled} notice(s) not stored: ${MAX_PENDING_PER_CONNECTION} already wait for their connection`);
    if (pending.length === 0) {
      return tooMany(`${MAX_PENDING_PER_CONNECTION} notices already wait for this connection; please retry later`);
    }
  }

  const elapsed = Date.now() - started;
  if (elapsed > spec.deadlineMs / 2) console.warn(`[webhooks] ${provider}: storing took ${elapsed} ms of a ${spec.deadlineMs} ms deadline`);
  const response = jsonResponse(spec.ackStatus, spec.ackBody);
  if (pending.length) opts.dispatch?.(pending);
  return response;
}
