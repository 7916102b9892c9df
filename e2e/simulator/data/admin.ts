import { z } from "zod";
import { json, type SimResponse } from "../router";
import type { SimulatorState } from "../state";
import { isDay, isTimeZone } from "./core";
import { DataError, simData, type Generators } from "./generator";
import { emitMutation } from "../webhooks";

/**
 * `/__admin/data/*`: the generated data's range and zone, rate-limit enforcement, mutations, and the
 * expected records. Same operations as `simData(state)` in-process. Documented in data/README.md.
 */

const day = z.string().refine(isDay, "expected YYYY-MM-DD");
const rateSchema = z.object({ enforce: z.boolean() }).strict();
const patch = z.record(z.string(), z.unknown());

/** The body schemas, over the data providers this simulator serves. */
function schemasFor(providers: string[]) {
  const provider = z.enum(providers as [string, ...string[]]);
  const selector = { provider: provider.optional(), account: z.string().min(1).max(200).optional() };
  const target = { provider, account: z.string().min(1).max(200), resource: z.string().min(1) };
  return {
    config: z
      .object({ ...selector, from: day.optional(), to: day.optional(), years: z.number().positive().max(10).optional(), timezone: z.string().refine(isTimeZone, "unknown time zone").optional() })
      .strict(),
    mutation: z.discriminatedUnion("op", [
      z.object({ op: z.literal("add"), ...target, at: z.iso.datetime({ offset: true }).optional(), patch: patch.optional() }).strict(),
      z.object({ op: z.literal("update"), ...target, id: z.union([z.string().min(1), z.number()]).transform(String), patch: patch.optional() }).strict(),
      z.object({ op: z.literal("delete"), ...target, id: z.union([z.string().min(1), z.number()]).transform(String) }).strict(),
    ]),
  };
}

const cachedSchemas = new WeakMap<Generators, ReturnType<typeof schemasFor>>();
function schemas(generators: Generators): ReturnType<typeof schemasFor> {
  let s = cachedSchemas.get(generators);
  if (!s) cachedSchemas.set(generators, (s = schemasFor(generators.providers)));
  return s;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): { ok: true; data: T } | { ok: false; response: SimResponse } {
  const r = schema.safeParse(body ?? {});
  if (r.success) return { ok: true, data: r.data };
  return { ok: false, response: json(400, { error: "invalid_request", problems: r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`) }) };
}

function guard(fn: () => SimResponse): SimResponse {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DataError) return json(err.status, { error: err.status === 404 ? "not_found" : "invalid_request", message: err.message });
    throw err;
  }
}

/** Handles `path` relative to `/__admin` when it starts with `/data`; null otherwise. */
export function handleDataAdmin(state: SimulatorState, method: string, path: string, query: URLSearchParams, body: unknown): SimResponse | null {
  if (path !== "/data" && !path.startsWith("/data/")) return null;
  const store = simData(state);
  const { generators } = store;
  const route = `${method} ${path.replace(/\/+$/, "")}`;
  return guard(() => {
    switch (route) {
      case "GET /data":
        return json(200, {
          providers: Object.fromEntries(generators.providers.map((p) => [p, generators.resourcesOf(p)])),
          rateLimits: { enforce: store.enforceRateLimits },
        });
      case "GET /data/config": {
        const provider = query.get("provider") ?? "strava";
        const account = query.get("account") ?? "athlete-1";
        return json(200, { config: store.config(provider, account) });
      }
      case "POST /data/config": {
        const p = parse(schemas(generators).config, body);
        if (!p.ok) return p.response;
        const { provider, account, ...patch } = p.data;
        return json(200, { config: store.configure({ provider, account }, patch) });
      }
      case "GET /data/rate-limits":
        return json(200, { enforce: store.enforceRateLimits, counters: store.limiter.snapshot() });
      case "POST /data/rate-limits": {
        const p = parse(rateSchema, body);
        if (!p.ok) return p.response;
        store.enforceRateLimits = p.data.enforce;
        return json(200, { enforce: store.enforceRateLimits });
      }
      case "POST /data/mutations": {
        const p = parse(schemas(generators).mutation, body);
        if (!p.ok) return p.response;
        const m = p.data;
        const mutation = store.mutate(m.op === "add" ? { ...m, at: m.at ? Date.parse(m.at) : undefined } : m);
        emitMutation(state, mutation); // the provider's webhook notices, sent after this answer
        return json(201, { mutation });
      }
      case "GET /data/records": {
        const provider = query.get("provider") ?? "";
        const account = query.get("account") ?? "";
        const resource = query.get("resource") ?? "";
        const from = query.get("from") ?? undefined;
        const to = query.get("to") ?? undefined;
        if (!generators.resourcesOf(provider).includes(resource) || !account) return json(400, { error: "invalid_request", message: "give provider, account and one of its resources" });
        if ((from && !isDay(from)) || (to && !isDay(to))) return json(400, { error: "invalid_request", message: "from/to must be YYYY-MM-DD" });
        const records = store.expectedRecords(provider, account, resource, { from, to });
        return json(200, { count: records.length, records });
      }
      default:
        return json(404, { error: "not_found", message: `no admin route ${route}` });
    }
  });
}
