import { eq } from "drizzle-orm";
import { authenticateApiKey } from "@/lib/api-keys";
import type { Db } from "@/lib/db";
import { users } from "@/lib/db/schema";
import { TokenBucketLimiter, type RateLimiter } from "@/lib/ingest/rate-limit";
import { capabilityStatement, OBSERVATION_PARAMS } from "./capability";
import { ALL_KINDS } from "./codes";
import {
  deviceId,
  deviceResource,
  fhirResponse,
  operationOutcome,
  outcomeResponse,
  parseObservationId,
  patientResource,
  type Resource,
} from "./resources";
import {
  countObservations,
  type Cursor,
  dateBounds,
  decodeCursor,
  DEFAULT_COUNT,
  encodeCursor,
  kindsForCategories,
  kindsForCodes,
  MAX_COUNT,
  type ObservationQuery,
  readObservation,
  SearchError,
  searchWithTotal,
  userSources,
} from "./search";

/**
 * `/api/fhir` (R4): the route files call these with the database, the request and how to find a
 * signed-in session; everything else (auth, rate limit, parameters, OperationOutcome) is here.
 */

export type FhirOptions = {
  /** The signed-in session's user id, for browser use; null when there is none. */
  sessionUserId: () => Promise<string | null>;
  limiter: RateLimiter | null;
  now?: () => Date;
};

/** 120 requests in a burst, then 2 a second, per token (or per signed-in user). */
export const fhirLimiter = new TokenBucketLimiter({ capacity: 120, refillPerSecond: 2 });

export const fhirBase = (request: Request) => new URL("/api/fhir", request.url).toString();

export type Caller = { userId: string; tz: string; user: { id: string; name: string | null; email: string } };

/** Why a request is refused before it reaches a handler (the FHIR and the simple JSON API answer it in their own envelope). */
export type Refusal = { status: 401 | 429; why: string; headers: Record<string, string> };

/** The caller from a bearer FHIR token (else the signed-in session), rate-limited per token or user. */
export async function authenticate(db: Db, request: Request, o: FhirOptions): Promise<Caller | Refusal> {
  const header = request.headers.get("authorization");
  let userId: string | null = null;
  let bucket: string;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
    const auth = m ? await authenticateApiKey(db, m[1], o.now?.() ?? new Date(), "fhir") : null;
    if (!auth) return unauthorized("The bearer token is not a valid personal access token (Settings → FHIR API access).");
    userId = auth.userId;
    bucket = `key:${auth.keyId}`;
  } else {
    userId = await o.sessionUserId();
    if (!userId) return unauthorized("Send a personal access token as Authorization: Bearer <token>, or sign in.");
    bucket = `user:${userId}`;
  }
  const limited = o.limiter?.take(bucket, (o.now?.() ?? new Date()).getTime());
  if (limited && !limited.ok)
    return { status: 429, why: `Too many requests; retry in ${limited.retryAfterSeconds} s.`, headers: { "retry-after": String(limited.retryAfterSeconds) } };
  const [user] = await db.select({ id: users.id, name: users.name, email: users.email, tz: users.timeZone }).from(users).where(eq(users.id, userId));
  if (!user) return unauthorized("This account no longer exists.");
  return { userId, tz: user.tz, user: { id: user.id, name: user.name, email: user.email } };
}

export const isRefusal = (c: Caller | Refusal): c is Refusal => "why" in c;

/** The caller, or the 401/429 OperationOutcome to answer with. */
async function authorize(db: Db, request: Request, o: FhirOptions): Promise<Caller | Response> {
  const c = await authenticate(db, request, o);
  if (!isRefusal(c)) return c;
  return outcomeResponse(c.status, c.status === 429 ? "throttled" : "login", c.why, c.headers);
}

const unauthorized = (why: string): Refusal => ({ status: 401, why, headers: { "www-authenticate": 'Bearer realm="fhir"' } });

/** Runs `f` for an authorized caller; a bug answers 500 as an OperationOutcome without details. */
async function guarded(db: Db, request: Request, o: FhirOptions, f: (c: Caller) => Promise<Response>): Promise<Response> {
  try {
    const caller = await authorize(db, request, o);
    return caller instanceof Response ? caller : await f(caller);
  } catch (e) {
    console.error("fhir: request failed", e instanceof Error ? e.name : "unknown");
    return outcomeResponse(500, "exception", "The server could not answer this request.");
  }
}

export function metadataResponse(request: Request): Response {
  return fhirResponse(capabilityStatement(fhirBase(request)));
}

export function patientRead(db: Db, request: Request, id: string, o: FhirOptions) {
  return guarded(db, request, o, async (c) =>
    id === c.userId ? fhirResponse(patientResource(c.user)) : outcomeResponse(404, "not-found", `Patient/${id} is not known.`),
  );
}

export function deviceSearch(db: Db, request: Request, o: FhirOptions) {
  return guarded(db, request, o, async (c) => {
    const url = new URL(request.url);
    const bad = unknownParams(url, ["patient", "_id", "_format"], request);
    if (bad) return bad;
    const patient = url.searchParams.get("patient");
    const ids = url.searchParams.get("_id")?.split(",");
    let devices = patient && refId(patient, "Patient") !== c.userId ? [] : await userSources(db, c.userId);
    if (ids) devices = devices.filter((d) => ids.includes(deviceId(d)));
    return fhirResponse(searchset(url, devices.map((d) => deviceResource(c.userId, d)), devices.length, fhirBase(request)));
  });
}

export function deviceRead(db: Db, request: Request, id: string, o: FhirOptions) {
  return guarded(db, request, o, async (c) => {
    const device = (await userSources(db, c.userId)).find((d) => deviceId(d) === id);
    return device ? fhirResponse(deviceResource(c.userId, device)) : outcomeResponse(404, "not-found", `Device/${id} is not known.`);
  });
}

export function observationRead(db: Db, request: Request, id: string, o: FhirOptions) {
  return guarded(db, request, o, async (c) => {
    const ref = parseObservationId(id);
    const found = ref ? await readObservation(db, c.userId, c.tz, ref) : null;
    if (found === "gone") return outcomeResponse(410, "deleted", `Observation/${id} was deleted at its source.`);
    return found ? fhirResponse(found) : outcomeResponse(404, "not-found", `Observation/${id} is not known.`);
  });
}

/** A reference parameter's id: `Patient/123`, `123` or a full URL ending in `Patient/123`. */
function refId(value: string, type: string): string | null {
  const m = new RegExp(`(?:^|/)${type}/([^/]+)$`).exec(value);
  if (m) return m[1];
  return value.includes("/") ? null : value;
}

const strict = (request: Request) => /(^|[;,\s])handling\s*=\s*strict\b/i.test(request.headers.get("prefer") ?? "");

/** Under `Prefer: handling=strict` an unknown parameter is a 400; otherwise it is ignored. */
function unknownParams(url: URL, known: readonly string[], request: Request): Response | null {
  const unknown = [...new Set([...url.searchParams.keys()].filter((k) => !known.includes(k.split(":")[0])))];
  if (!unknown.length || !strict(request)) return null;
  return outcomeResponse(400, "not-supported", `Unknown search parameter${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}. Supported: ${known.join(", ")}.`);
}

const SEARCH_PARAMS = [...OBSERVATION_PARAMS, "_count", "_sort", "_summary", "_cursor", "_format"] as const;

export type ParsedSearch = {
  query: ObservationQuery;
  /** The Device id asked for; query.device is filled once it is looked up among the user's sources. */
  deviceId: string | null;
  summaryCount: boolean;
  cursor: { cursor: Cursor; dir: "next" | "prev" } | null;
  ignored: string[];
};

/** The Observation search parameters, or a SearchError naming the problem. */
export function parseObservationSearch(url: URL, userId: string, tz: string): ParsedSearch {
  const p = url.searchParams;
  const modified = [...p.keys()].filter((k) => k.includes(":"));
  if (modified.length) throw new SearchError(`search modifiers are not supported (${modified.join(", ")})`);
  const all = (name: string) => p.getAll(name).filter((v) => v !== "");
  let kinds = kindsForCodes(all("code"), ALL_KINDS);
  kinds = kindsForCategories(all("category"), kinds);
  let subjectMatches = true;
  for (const name of ["patient", "subject"])
    for (const v of all(name)) if (!v.split(",").some((x) => refId(x, "Patient") === userId)) subjectMatches = false;
  const devices = all("device");
  if (devices.length > 1) throw new SearchError("device may be given once");
  const device = devices.length ? refId(devices[0], "Device") : null;
  if (devices.length && !device) throw new SearchError(`device "${devices[0]}" is not a Device reference`);
  const countRaw = p.get("_count");
  let count = DEFAULT_COUNT;
  if (countRaw !== null) {
    if (!/^\d+$/.test(countRaw)) throw new SearchError(`_count must be a whole number from 0 to ${MAX_COUNT}`);
    count = Math.min(Number(countRaw), MAX_COUNT);
  }
  const sort = p.get("_sort") ?? "date";
  if (sort !== "date" && sort !== "-date") throw new SearchError(`_sort may be date or -date, not "${sort}"`);
  const summary = p.get("_summary");
  if (summary !== null && summary !== "count" && summary !== "false") throw new SearchError(`_summary may be count (or false), not "${summary}"`);
  const token = p.get("_cursor");
  return {
    query: {
      kinds,
      date: dateBounds(all("date"), tz),
      lastUpdated: dateBounds(all("_lastUpdated"), tz),
      device: null,
      subjectMatches,
      descending: sort === "-date",
      count,
      after: null,
    },
    deviceId: device,
    summaryCount: summary === "count",
    cursor: token ? decodeCursor(token) : null,
    ignored: [...new Set([...p.keys()].filter((k) => !(SEARCH_PARAMS as readonly string[]).includes(k)))],
  };
}

export function observationSearch(db: Db, request: Request, o: FhirOptions) {
  return guarded(db, request, o, async (c) => {
    const url = new URL(request.url);
    const bad = unknownParams(url, SEARCH_PARAMS, request);
    if (bad) return bad;
    let parsed: ParsedSearch;
    try {
      parsed = parseObservationSearch(url, c.userId, c.tz);
    } catch (e) {
      if (e instanceof SearchError) return outcomeResponse(400, "invalid", e.message);
      throw e;
    }
    const q = parsed.query;
    if (parsed.deviceId) {
      const found = (await userSources(db, c.userId)).find((d) => deviceId(d) === parsed.deviceId);
      // Another user's or an unknown device matches nothing.
      if (!found) q.subjectMatches = false;
      else q.device = found;
    }
    const base = fhirBase(request);
    if (parsed.summaryCount) {
      const total = await countObservations(db, c.userId, c.tz, q);
      return fhirResponse({ resourceType: "Bundle", type: "searchset", total, link: [{ relation: "self", url: url.toString() }] });
    }
    // A "prev" token walks the other way from the first item of the page after it, then flips.
    const back = parsed.cursor?.dir === "prev";
    const page = await searchWithTotal(db, c.userId, c.tz, q, { descending: back ? !q.descending : q.descending, after: parsed.cursor?.cursor ?? null });
    const total = page.total;
    const items = back ? [...page.items].reverse() : page.items;
    const links: Array<{ relation: string; url: string }> = [{ relation: "self", url: url.toString() }];
    const link = (relation: string, cursor: Cursor, dir: "next" | "prev") => {
      const u = new URL(url);
      u.searchParams.set("_cursor", encodeCursor(cursor, dir));
      links.push({ relation, url: u.toString() });
    };
    const first = items[0]?.pos ?? parsed.cursor?.cursor;
    const last = items[items.length - 1]?.pos ?? parsed.cursor?.cursor;
    const hasNext = back ? true : page.more;
    const hasPrev = back ? page.more : !!parsed.cursor;
    if (hasPrev && first) link("previous", first, "prev");
    if (hasNext && last && (items.length || back)) link("next", last, "next");
    const entry = items.map((i) => ({ fullUrl: `${base}/Observation/${i.resource.id}`, resource: i.resource, search: { mode: "match" } }));
    if (parsed.ignored.length)
      entry.push({
        fullUrl: `urn:uuid:${crypto.randomUUID()}`,
        resource: operationOutcome("warning", "not-supported", `Ignored unknown parameter(s): ${parsed.ignored.join(", ")}.`),
        search: { mode: "outcome" },
      });
    return fhirResponse({ resourceType: "Bundle", type: "searchset", total, link: links, entry });
  });
}

function searchset(url: URL, resources: Resource[], total: number, base: string): Resource {
  return {
    resourceType: "Bundle",
    type: "searchset",
    total,
    link: [{ relation: "self", url: url.toString() }],
    entry: resources.map((r) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r, search: { mode: "match" } })),
  };
}
