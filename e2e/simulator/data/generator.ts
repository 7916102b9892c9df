import { providerModules } from "../registry";
import type { SimulatorState } from "../state";
import type { SimProviderModule } from "../types";
import {
  addDays,
  dayContext,
  dayNumber,
  isDay,
  isTimeZone,
  localDay,
  profileOf,
  type GenRecord,
  type Profile,
  type ProviderSpec,
  type ResourceSpec,
} from "./core";
import { RateLimiter } from "./rate-limits";

/**
 * The single source of truth for the simulator's provider data. Records are generated lazily, one
 * (provider, account, resource, local day) at a time from a PRNG seeded with exactly those, so ten
 * years cost nothing until asked for and the same inputs always give the same JSON.
 *
 * - `Generators` — the data providers' generators (each provider's `generator.ts`, taken from the
 *   registry the simulator was given). `generators.expectedRecords(provider, account, resource,
 *   {from, to})` is pure: the generated records of the local days from..to (inclusive), oldest
 *   first, exactly as the endpoints serve them. `data/index.ts` binds these to the full registry.
 * - `simData(state)` — the per-simulator store the endpoints read: the configured date range
 *   (default: 3 years ending yesterday in the account's zone), admin mutations layered on top, provider history limits
 *   (Polar), and the rate-limit counters. Its `expectedRecords` is what a full sync must end with.
 *
 * Accounts: a simulated account name (the consent page's "Account") is a person with a home time
 * zone and a body (`profileOf`); the zone can be overridden per account.
 */

/** Ten years, leap days included. */
export const MAX_SPAN_DAYS = 3653;
export const DEFAULT_YEARS = 3;

const byTime = (a: GenRecord, b: GenRecord) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function toDay(v: string | Date): string {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (!isDay(v)) throw new Error(`expected YYYY-MM-DD, got ${JSON.stringify(v)}`);
  return v;
}

/** The generators of the data providers: provider → resource → spec. */
export class Generators {
  /** The data providers, in registry order. */
  readonly providers: string[];

  constructor(private readonly specs: Readonly<Record<string, ProviderSpec>>) {
    this.providers = Object.keys(specs);
  }

  /** The generators of the modules that have pull data. */
  static of(modules: Iterable<SimProviderModule>): Generators {
    const specs: Record<string, ProviderSpec> = {};
    for (const m of modules) if (m.data) specs[m.id] = m.data.generator;
    return new Generators(specs);
  }

  has(provider: string): boolean {
    return Object.hasOwn(this.specs, provider);
  }

  resourcesOf(provider: string): string[] {
    return this.has(provider) ? Object.keys(this.specs[provider]) : [];
  }

  /** The spec of one resource, or undefined. */
  find(provider: string, resource: string): ResourceSpec | undefined {
    return this.has(provider) && Object.hasOwn(this.specs[provider], resource) ? this.specs[provider][resource] : undefined;
  }

  resourceSpec(provider: string, resource: string): ResourceSpec {
    const spec = this.find(provider, resource);
    if (!spec) throw new Error(`no generated resource ${provider}/${resource}`);
    return spec;
  }

  /** The generated records of one local day (no mutations), oldest first. */
  generateDay(provider: string, account: string, resource: string, day: string, profile: Profile = profileOf(account)): GenRecord[] {
    return this.resourceSpec(provider, resource).day(dayContext(provider, account, day, profile)).sort(byTime);
  }

  /**
   * Pure: the vendor JSON of every generated record of the local days `from`..`to` (inclusive),
   * oldest first. Snapshot resources (WHOOP body, Polar physical-info) give their one current object.
   */
  expectedRecords(
    provider: string,
    account: string,
    resource: string,
    range: { from: string | Date; to: string | Date },
    opts: { timezone?: string } = {},
  ): Array<Record<string, unknown>> {
    const profile = profileOf(account, opts.timezone);
    const from = toDay(range.from);
    const to = toDay(range.to);
    if (this.resourceSpec(provider, resource).snapshot) return this.generateDay(provider, account, resource, to, profile).map((r) => r.body);
    const out: Array<Record<string, unknown>> = [];
    for (let d = dayNumber(from); d <= dayNumber(to); d++) {
      for (const r of this.generateDay(provider, account, resource, addDays(from, d - dayNumber(from)), profile)) out.push(r.body);
    }
    return out;
  }
}

// ───────────────────────── the per-simulator store ─────────────────────────

export type DataConfig = { from: string; to: string; timezone: string };
export type ConfigPatch = { from?: string; to?: string; years?: number; timezone?: string };
export type Selector = { provider?: string; account?: string };

export type Mutation =
  | { op: "add"; provider: string; account: string; resource: string; at?: number; patch?: Record<string, unknown> }
  | { op: "update"; provider: string; account: string; resource: string; id: string; patch?: Record<string, unknown> }
  | { op: "delete"; provider: string; account: string; resource: string; id: string };

export type MutationResult = { op: Mutation["op"]; provider: string; account: string; resource: string; id: string; day: string; at: string; record: Record<string, unknown> | null };

export class DataError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Overlay = {
  /** id → the updated record, or null once deleted (with when). */
  changes: Map<string, { record: GenRecord | null; at: number; day: string }>;
  /** day → records added through the admin API. */
  added: Map<string, GenRecord[]>;
};

/** Cached (provider, account, resource, day) entries; ten years of one resource is ~3,650. */
const CACHE_LIMIT = 20_000;

function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    const cur = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" && !Array.isArray(cur)
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export class SimData {
  /** When false, budgets are still counted and reported in headers, but never refused. */
  enforceRateLimits: boolean;
  readonly limiter = new RateLimiter();
  /** The range from the environment; what it leaves out is derived per account in `config`. */
  private readonly base: { from?: string; to?: string; years: number };
  /** The simulator clock when the store was made: "yesterday" is counted from it, in each account's zone. */
  private readonly startedAt: number;
  private readonly overrides = new Map<string, ConfigPatch>();
  private readonly cache = new Map<string, GenRecord[]>();
  private readonly overlays = new Map<string, Overlay>();
  private mutationSeq = 0;

  constructor(
    readonly generators: Generators,
    private readonly now: () => number,
    env: Record<string, string | undefined> = process.env,
  ) {
    this.enforceRateLimits = !/^(off|false|0|no)$/i.test(env.SIMULATOR_RATE_LIMITS ?? "");
    this.startedAt = now();
    const years = env.SIMULATOR_DATA_YEARS ? Number(env.SIMULATOR_DATA_YEARS) : DEFAULT_YEARS;
    this.base = { from: env.SIMULATOR_DATA_FROM, to: env.SIMULATOR_DATA_TO, years };
    const probe = this.config("strava", "athlete-1");
    this.validRange(probe.from, probe.to);
  }

  private validRange(from: string, to: string): { from: string; to: string } {
    if (!isDay(from) || !isDay(to)) throw new DataError(`from/to must be YYYY-MM-DD (got ${from}, ${to})`);
    const span = dayNumber(to) - dayNumber(from) + 1;
    if (span < 1) throw new DataError(`from (${from}) is after to (${to})`);
    if (span > MAX_SPAN_DAYS) throw new DataError(`the range spans ${span} days; at most ${MAX_SPAN_DAYS} (10 years)`);
    return { from, to };
  }

  // ── configuration ──

  config(provider: string, account: string): DataConfig {
    const layers = ["*|*", `*|${account}`, `${provider}|*`, `${provider}|${account}`].map((k) => this.overrides.get(k)).filter((o): o is ConfigPatch => !!o);
    const timezone = layers.reduce<string | undefined>((tz, o) => o.timezone ?? tz, undefined) ?? profileOf(account).timezone;
    // "Yesterday" is the account's: in UTC it would leave out up to two of its local days (UTC+14),
    // and a provider's "recent" data would depend on the time of day the simulator started.
    const to = this.base.to ?? addDays(localDay(this.startedAt, timezone), -1);
    let merged: ConfigPatch = { from: this.base.from ?? addDays(to, -Math.round(this.base.years * 365.25) + 1), to };
    for (const o of layers) {
      merged = { ...merged, ...o };
      if (o.years !== undefined && o.from === undefined) merged.from = addDays(merged.to!, -Math.round(o.years * 365.25) + 1);
    }
    return { from: merged.from!, to: merged.to!, timezone };
  }

  /** Sets the range and/or zone for everyone, a provider, an account, or one provider account. */
  configure(sel: Selector, patch: ConfigPatch): DataConfig {
    if (sel.provider && !this.generators.has(sel.provider)) throw new DataError(`unknown provider "${sel.provider}"`);
    if (patch.timezone !== undefined && !isTimeZone(patch.timezone)) throw new DataError(`unknown time zone "${patch.timezone}"`);
    if (patch.years !== undefined && !(patch.years > 0 && patch.years <= 10)) throw new DataError("years must be in (0, 10]");
    const key = `${sel.provider ?? "*"}|${sel.account ?? "*"}`;
    const previous = this.overrides.get(key);
    this.overrides.set(key, { ...previous, ...patch });
    const probe = this.config(sel.provider ?? "strava", sel.account ?? "athlete-1");
    try {
      this.validRange(probe.from, probe.to);
    } catch (error) {
      // A refused patch leaves the configuration as it was.
      if (previous) this.overrides.set(key, previous);
      else this.overrides.delete(key);
      throw error;
    }
    this.cache.clear();
    return probe;
  }

  profile(provider: string, account: string): Profile {
    return profileOf(account, this.config(provider, account).timezone);
  }

  timezone(provider: string, account: string): string {
    return this.config(provider, account).timezone;
  }

  /**
   * The local days a resource serves now: the configured range, cut to the provider's history
   * (Polar) counted back from the simulator clock. Snapshot resources: just the range end.
   */
  window(provider: string, account: string, resource: string): { from: string; to: string } | null {
    const spec = this.generators.resourceSpec(provider, resource);
    const cfg = this.config(provider, account);
    let from = cfg.from;
    if (spec.historyDays !== undefined) {
      const oldest = addDays(localDay(this.now(), cfg.timezone), -spec.historyDays + 1);
      if (oldest > from) from = oldest;
    }
    if (spec.snapshot) return { from: cfg.to, to: cfg.to };
    return from > cfg.to ? null : { from, to: cfg.to };
  }

  // ── records ──

  private overlay(provider: string, account: string, resource: string): Overlay {
    const key = `${provider}|${account}|${resource}`;
    let o = this.overlays.get(key);
    if (!o) this.overlays.set(key, (o = { changes: new Map(), added: new Map() }));
    return o;
  }

  private generated(provider: string, account: string, resource: string, day: string): GenRecord[] {
    const profile = this.profile(provider, account);
    const key = `${provider}|${account}|${resource}|${day}|${profile.timezone}`;
    let recs = this.cache.get(key);
    if (recs) {
      this.cache.delete(key);
    } else {
      recs = this.generators.generateDay(provider, account, resource, day, profile);
    }
    this.cache.set(key, recs);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    return recs;
  }

  /** One local day of a resource as served: generated (inside the window) + added, with changes applied. */
  dayRecords(provider: string, account: string, resource: string, day: string): GenRecord[] {
    const w = this.window(provider, account, resource);
    const o = this.overlays.get(`${provider}|${account}|${resource}`);
    const base = w && day >= w.from && day <= w.to ? this.generated(provider, account, resource, day) : [];
    if (!o) return base;
    const out: GenRecord[] = [];
    for (const r of [...base, ...(o.added.get(day) ?? [])]) {
      const c = o.changes.get(r.id);
      if (!c) out.push(r);
      else if (c.record) out.push(c.record);
    }
    return out.sort(byTime);
  }

  /** The first and last day that may hold records (the window, stretched to admin-added days). */
  span(provider: string, account: string, resource: string): { from: string; to: string } | null {
    const w = this.window(provider, account, resource);
    const added = [...(this.overlays.get(`${provider}|${account}|${resource}`)?.added.keys() ?? [])].sort();
    if (!w && !added.length) return null;
    const from = [w?.from, added[0]].filter((d): d is string => !!d).sort()[0];
    const to = [w?.to, added[added.length - 1]].filter((d): d is string => !!d).sort().reverse()[0];
    return { from, to };
  }

  /** Walks the days fromDay..toDay (clamped to the span) in either order, yielding each day's records in that order. */
  *walk(provider: string, account: string, resource: string, opts: { fromDay?: string; toDay?: string; order?: "asc" | "desc" } = {}): Generator<GenRecord> {
    const span = this.span(provider, account, resource);
    if (!span) return;
    const from = opts.fromDay && opts.fromDay > span.from ? opts.fromDay : span.from;
    const to = opts.toDay && opts.toDay < span.to ? opts.toDay : span.to;
    const a = dayNumber(from);
    const b = dayNumber(to);
    if (opts.order === "desc") {
      // Copy before reversing: dayRecords may hand out the cached array.
      for (let d = b; d >= a; d--) yield* [...this.dayRecords(provider, account, resource, addDays(from, d - a))].reverse();
    } else {
      for (let d = a; d <= b; d++) yield* this.dayRecords(provider, account, resource, addDays(from, d - a));
    }
  }

  /** Every record of a resource that the endpoints serve now, oldest first (optionally only days from..to). */
  list(provider: string, account: string, resource: string, range: { from?: string; to?: string } = {}): GenRecord[] {
    return [...this.walk(provider, account, resource, { fromDay: range.from, toDay: range.to })];
  }

  /** The vendor JSON a complete sync of this resource must end up with (mutations included). */
  expectedRecords(provider: string, account: string, resource: string, range: { from?: string; to?: string } = {}): Array<Record<string, unknown>> {
    return this.list(provider, account, resource, range).map((r) => r.body);
  }

  /** Records deleted through the admin API since `sinceMs` (Hevy's deleted events). */
  deletedSince(provider: string, account: string, resource: string, sinceMs: number): Array<{ id: string; at: number; day: string }> {
    const o = this.overlays.get(`${provider}|${account}|${resource}`);
    if (!o) return [];
    return [...o.changes].filter(([, c]) => c.record === null && c.at > sinceMs).map(([id, c]) => ({ id, at: c.at, day: c.day }));
  }

  private find(provider: string, account: string, resource: string, id: string): GenRecord {
    for (const r of this.walk(provider, account, resource, { order: "desc" })) if (r.id === id) return r;
    throw new DataError(`no ${provider}/${resource} record "${id}" for account "${account}"`, 404);
  }

  mutate(m: Mutation): MutationResult {
    if (!this.generators.has(m.provider)) throw new DataError(`unknown provider "${m.provider}"`);
    const spec = this.generators.find(m.provider, m.resource);
    if (!spec) throw new DataError(`unknown resource "${m.resource}" (${m.provider} has ${this.generators.resourcesOf(m.provider).join(", ")})`);
    const now = this.now();
    const o = this.overlay(m.provider, m.account, m.resource);
    const result = (id: string, day: string, record: Record<string, unknown> | null): MutationResult => ({
      op: m.op,
      provider: m.provider,
      account: m.account,
      resource: m.resource,
      id,
      day,
      at: new Date(now).toISOString(),
      record,
    });

    if (m.op === "add") {
      if (!spec.make || spec.snapshot) throw new DataError(`${m.provider}/${m.resource} records cannot be added one by one; use "update"`);
      const at = m.at ?? now;
      const profile = this.profile(m.provider, m.account);
      const day = localDay(at, profile.timezone);
      const rec = spec.make(dayContext(m.provider, m.account, day, profile), at, `${++this.mutationSeq}:${now}`);
      const updatedAt = Math.max(rec.updatedAt, now);
      const body = m.patch ? deepMerge(rec.body, m.patch) : rec.body;
      spec.touch?.(body, updatedAt);
      const added: GenRecord = { ...rec, day, updatedAt, body };
      o.added.set(day, [...(o.added.get(day) ?? []), added]);
      return result(added.id, day, body);
    }

    const current = this.find(m.provider, m.account, m.resource, m.id);
    if (m.op === "delete") {
      o.changes.set(m.id, { record: null, at: now, day: current.day });
      return result(m.id, current.day, null);
    }
    const body = deepMerge(structuredClone(current.body), m.patch ?? {});
    spec.touch?.(body, now);
    o.changes.set(m.id, { record: { ...current, updatedAt: now, body }, at: now, day: current.day });
    return result(m.id, current.day, body);
  }
}

const STORE_KEY = "store";

/**
 * The data store of a running simulator (kept in its state, so `/__admin/reset` starts it afresh),
 * over the generators of the providers it serves.
 */
export function simData(state: SimulatorState): SimData {
  const bag = state.bag<SimData>("__data");
  let store = bag.get(STORE_KEY);
  if (!store) bag.set(STORE_KEY, (store = new SimData(Generators.of(providerModules(state)), () => state.now())));
  return store;
}
