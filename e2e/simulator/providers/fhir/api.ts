import { randomUUID } from "node:crypto";
import { bearerToken, json, type RequestContext, type RouteSpec, type SimResponse } from "../../router";
import type { SimulatorState } from "../../state";
import { FHIR_EXPORT_DEMO_TOKEN } from "../../clients";
import { profileErrors } from "./profiles";
import { ucumErrors } from "./ucum";
import { r4SchemaErrors } from "./validate";

/**
 * A small FHIR R4 server, the target of the app's export (FHIR_EXPORT_BASE_URL =
 * `<simulator>/fhir.example.org/r4`). `POST /r4` takes a transaction Bundle: every resource is
 * validated against the R4 JSON schema, the profiles it claims and its codes' UCUM units (any error
 * rejects the whole Bundle with 400, as a
 * transaction is all or nothing), PUT stores under the given id, POST with `ifNoneExist` is a
 * conditional create (no match → 201, one → 200 with the existing one, several → 412). Reads:
 * `GET /r4/:type` (optionally `identifier=system|value`) and `GET /r4/:type/:id`. Faults come from
 * the simulator's generic fault rules (provider "fhir": 500, 429 with Retry-After).
 */

export const HOST = "fhir.example.org";
const PROVIDER = "fhir";
const FHIR_JSON = "application/fhir+json; charset=utf-8";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resources are open JSON
type Resource = Record<string, any> & { resourceType: string; id: string };

export type SimFhirStore = { resources: Map<string, Resource>; transactions: number };

/** The stored resources, by `Type/id` (tests read and reset it). */
export function fhirStore(state: SimulatorState): SimFhirStore {
  const bag = state.bag<SimFhirStore>(PROVIDER);
  let store = bag.get("store");
  if (!store) bag.set("store", (store = { resources: new Map(), transactions: 0 }));
  return store;
}

const fhir = (status: number, body: unknown, headers: Record<string, string> = {}) => json(status, body, { "content-type": FHIR_JSON, ...headers });

export const outcome = (status: number, code: string, diagnostics: string, headers: Record<string, string> = {}): SimResponse =>
  fhir(status, { resourceType: "OperationOutcome", issue: [{ severity: "error", code, diagnostics }] }, headers);

function authorized(ctx: RequestContext): SimResponse | null {
  return bearerToken(ctx) === FHIR_EXPORT_DEMO_TOKEN ? null : outcome(401, "security", "missing or unknown bearer token");
}

/** `identifier=system|value` (each part URL-encoded) against the resources of one type. */
function matching(store: SimFhirStore, type: string, query: URLSearchParams): Resource[] {
  const wanted = query.getAll("identifier");
  return [...store.resources.values()].filter(
    (r) =>
      r.resourceType === type &&
      wanted.every((token) => {
        const bar = token.indexOf("|");
        const [system, value] = bar < 0 ? [null, token] : [token.slice(0, bar), token.slice(bar + 1)];
        return (r.identifier ?? []).some((i: { system?: string; value?: string }) => i.value === value && (system === null || i.system === system));
      }),
  );
}

function stamp(r: Resource, version: number, now: number): Resource {
  return { ...r, meta: { ...r.meta, versionId: String(version), lastUpdated: new Date(now).toISOString() } };
}

function transaction(ctx: RequestContext): SimResponse {
  const denied = authorized(ctx);
  if (denied) return denied;
  const bundle = ctx.json as Resource | undefined;
  if (bundle?.resourceType !== "Bundle" || bundle.type !== "transaction") return outcome(400, "invalid", "expected a Bundle of type transaction");
  const problems = r4SchemaErrors(bundle).map((e) => `Bundle: ${e}`);
  const entries = (bundle.entry ?? []) as Array<{ fullUrl?: string; resource?: Resource; request?: { method?: string; url?: string; ifNoneExist?: string } }>;
  entries.forEach((e, i) => {
    const errors = r4SchemaErrors(e.resource);
    // Beyond the schema: the base definition and claimed profiles (@medplum/core), and each code's UCUM unit.
    if (!errors.length && e.resource) errors.push(...profileErrors(e.resource), ...ucumErrors(e.resource));
    for (const err of errors) problems.push(`entry[${i}] ${e.resource?.resourceType ?? "?"}: ${err}`);
    const m = e.request?.method;
    if (m === "PUT" && e.request?.url !== `${e.resource?.resourceType}/${e.resource?.id}`) problems.push(`entry[${i}]: PUT url must be Type/id of the resource`);
    else if (m === "POST" && e.request?.url !== e.resource?.resourceType) problems.push(`entry[${i}]: POST url must be the resource type`);
    else if (m !== "PUT" && m !== "POST") problems.push(`entry[${i}]: only PUT and POST are supported here`);
  });
  if (problems.length) return outcome(400, "invalid", problems.slice(0, 10).join("; "));
  const store = fhirStore(ctx.state);
  // Conditional creates are checked before anything is written, against the store plus earlier entries.
  const staged = new Map(store.resources);
  const view: SimFhirStore = { resources: staged, transactions: store.transactions };
  const responses: Array<{ status: string; location: string }> = [];
  for (const [i, e] of entries.entries()) {
    const r = e.resource!;
    if (e.request!.method === "PUT") {
      const key = `${r.resourceType}/${r.id}`;
      const before = staged.get(key);
      const version = before ? Number(before.meta?.versionId ?? 1) + 1 : 1;
      staged.set(key, stamp(r, version, ctx.state.now()));
      responses.push({ status: before ? "200 OK" : "201 Created", location: `${key}/_history/${version}` });
      continue;
    }
    const condition = e.request!.ifNoneExist;
    if (condition) {
      const found = matching(view, r.resourceType, new URLSearchParams(condition));
      if (found.length > 1) return outcome(412, "duplicate", `entry[${i}]: ifNoneExist ${condition} matches ${found.length} resources`);
      if (found.length === 1) {
        responses.push({ status: "200 OK", location: `${found[0].resourceType}/${found[0].id}/_history/${found[0].meta?.versionId ?? 1}` });
        continue;
      }
    }
    const id = randomUUID();
    staged.set(`${r.resourceType}/${id}`, stamp({ ...r, id }, 1, ctx.state.now()));
    responses.push({ status: "201 Created", location: `${r.resourceType}/${id}/_history/1` });
  }
  store.resources = staged;
  store.transactions += 1;
  ctx.count(`transaction:${entries.length}`);
  return fhir(200, { resourceType: "Bundle", type: "transaction-response", entry: responses.map((response) => ({ response })) });
}

function search(ctx: RequestContext): SimResponse {
  const denied = authorized(ctx);
  if (denied) return denied;
  const found = matching(fhirStore(ctx.state), ctx.params.type, ctx.query);
  return fhir(200, { resourceType: "Bundle", type: "searchset", total: found.length, entry: found.map((resource) => ({ resource, search: { mode: "match" } })) });
}

function read(ctx: RequestContext): SimResponse {
  const denied = authorized(ctx);
  if (denied) return denied;
  const r = fhirStore(ctx.state).resources.get(`${ctx.params.type}/${ctx.params.id}`);
  return r ? fhir(200, r) : outcome(404, "not-found", `${ctx.params.type}/${ctx.params.id} is not here`);
}

export const fhirRoutes: RouteSpec[] = [
  { method: "POST", host: HOST, path: "/r4", name: "POST transaction", handler: transaction },
  { method: "GET", host: HOST, path: "/r4/:type", name: "GET search", handler: search },
  { method: "GET", host: HOST, path: "/r4/:type/:id", name: "GET read", handler: read },
];

/** A 429 fault as a FHIR server sends it: OperationOutcome plus Retry-After. */
export const fhirRateLimited = (retryAfterSeconds: number): SimResponse =>
  outcome(429, "throttled", "too many requests", { "retry-after": String(retryAfterSeconds) });
