import { z } from "zod";
import { handleDataAdmin } from "./data/admin";
import { json, type SimResponse } from "./router";
import type { SimulatorState } from "./state";

/**
 * The admin API under `/__admin` (JSON in, JSON out). Every operation is also a method on
 * `SimulatorState`, for in-process tests. Documented in README.md.
 */

const selector = z
  .object({
    accessToken: z.string().min(1).optional(),
    refreshToken: z.string().min(1).optional(),
    provider: z.string().min(1).optional(),
    account: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => s.accessToken || s.refreshToken || s.provider || s.account, {
    message: "give accessToken, refreshToken, provider and/or account",
  });

const faultSpec = z
  .object({
    provider: z.string().min(1).optional(),
    pathPrefix: z.string().startsWith("/").optional(),
    kind: z.enum(["429", "500", "timeout", "truncated"]),
    count: z.number().int().positive().max(10_000).default(1),
    retryAfterSeconds: z.number().int().nonnegative().max(86_400).optional(),
    delayMs: z.number().int().nonnegative().max(600_000).optional(),
  })
  .strict();

const clock = z.object({ advanceSeconds: z.number().positive().max(10 * 365 * 86_400) }).strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): { ok: true; data: T } | { ok: false; response: SimResponse } {
  const r = schema.safeParse(body ?? {});
  if (r.success) return { ok: true, data: r.data };
  const problems = r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
  return { ok: false, response: json(400, { error: "invalid_request", problems }) };
}

export function handleAdmin(
  state: SimulatorState,
  providerIds: string[],
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): SimResponse {
  const route = `${method} ${path.replace(/\/+$/, "") || "/"}`;
  switch (route) {
    case "GET /":
      return json(200, { ok: true, providers: providerIds, now: new Date(state.now()).toISOString() });
    case "POST /reset":
      state.reset();
      return json(200, { ok: true });
    case "GET /stats":
      return json(200, state.stats());
    case "GET /connections":
      return json(200, {
        connections: state.connections({ provider: query.get("provider") ?? undefined, account: query.get("account") ?? undefined }),
      });
    case "POST /tokens/expire": {
      const p = parse(selector, body);
      return p.ok ? json(200, { expired: state.expireTokens(p.data) }) : p.response;
    }
    case "POST /tokens/revoke": {
      const p = parse(selector, body);
      return p.ok ? json(200, { revoked: state.revokeTokens(p.data) }) : p.response;
    }
    case "GET /faults":
      return json(200, { faults: state.listFaults() });
    case "POST /faults": {
      const p = parse(faultSpec, body);
      if (!p.ok) return p.response;
      if (p.data.provider && !providerIds.includes(p.data.provider)) {
        return json(400, { error: "invalid_request", problems: [`provider: unknown provider "${p.data.provider}"`] });
      }
      return json(201, { fault: state.addFault(p.data) });
    }
    case "DELETE /faults":
      state.clearFaults();
      return json(200, { ok: true });
    case "GET /clock":
      return json(200, { now: new Date(state.now()).toISOString() });
    case "POST /clock": {
      const p = parse(clock, body);
      if (!p.ok) return p.response;
      return json(200, { now: new Date(state.advanceClock(p.data.advanceSeconds * 1000)).toISOString() });
    }
    default:
      return handleDataAdmin(state, method, path, query, body) ?? json(404, { error: "not_found", message: `no admin route ${route}` });
  }
}
