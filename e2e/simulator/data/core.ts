import { createHash } from "node:crypto";

/**
 * Building blocks of the simulator's generated data: a seeded PRNG, calendar and time-zone math
 * (written here, not imported from the app, so the app's own helpers are checked against an
 * independent implementation), and the types every provider's generator implements.
 */

// ───────────────────────── PRNG ─────────────────────────

/** mulberry32: tiny, fast, good enough for test data; seeded from SHA-256 of a string. */
export class Rng {
  private s: number;
  constructor(seed: string) {
    this.s = createHash("sha256").update(seed).digest().readUInt32BE(0);
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  /** Uniform in [min, max), rounded to `decimals`. */
  float(min: number, max: number, decimals = 1): number {
    return round(min + this.next() * (max - min), decimals);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  hex(length: number): string {
    let out = "";
    while (out.length < length) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }
  uuid(): string {
    const h = this.hex(32).split("");
    h[12] = "4";
    h[16] = "89ab"[parseInt(h[16], 16) % 4];
    const s = h.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}

export function round(v: number, decimals = 0): number {
  const f = 10 ** decimals;
  // `|| 0` turns −0 into 0: JSON would send it as 0 anyway.
  return Math.round(v * f) / f || 0;
}

// ───────────────────────── calendar ─────────────────────────

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

/** Days since 1970-01-01 of a `YYYY-MM-DD`. */
export function dayNumber(day: string): number {
  return Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

export function dayString(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return dayString(dayNumber(day) + n);
}

export const isDay = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && dayString(dayNumber(s)) === s;

// ───────────────────────── time zones ─────────────────────────

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC of an IANA zone at an instant. */
export function tzOffset(tz: string, ms: number): number {
  if (tz === "UTC") return 0;
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) if (part.type !== "literal") p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return Math.round((wall - Math.floor(ms / MINUTE_MS) * MINUTE_MS) / MINUTE_MS);
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The instant when `tz`'s wall clock shows `day` + `minutes` after midnight. */
export function localInstant(day: string, minutes: number, tz: string): number {
  const wall = dayNumber(day) * DAY_MS + minutes * MINUTE_MS;
  let off = tzOffset(tz, wall);
  const second = tzOffset(tz, wall - off * MINUTE_MS);
  if (second !== off) off = second;
  return wall - off * MINUTE_MS;
}

/** The local `YYYY-MM-DD` of an instant in `tz`. */
export function localDay(ms: number, tz: string): string {
  return new Date(ms + tzOffset(tz, ms) * MINUTE_MS).toISOString().slice(0, 10);
}

// ───────────────────────── formats ─────────────────────────

/** "2024-01-15T07:30:00Z" */
export const isoZ = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
/** "2024-01-15T07:30:00.000Z" */
export const isoMs = (ms: number): string => new Date(ms).toISOString();
/** "+05:30" */
export function offsetString(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const a = Math.abs(minutes);
  return `${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}
/** Local wall clock without offset: "2024-01-15T08:30:00" (+ ".000" with `millis`). */
export function wall(ms: number, offsetMinutes: number, millis = false): string {
  const s = new Date(ms + offsetMinutes * MINUTE_MS).toISOString();
  return millis ? s.slice(0, 23) : s.slice(0, 19);
}
/** "2024-01-15T08:30:00+01:00" */
export const isoOffset = (ms: number, offsetMinutes: number, millis = false): string => wall(ms, offsetMinutes, millis) + offsetString(offsetMinutes);
export const epoch = (ms: number): number => Math.floor(ms / 1000);

// ───────────────────────── generator types ─────────────────────────

/** One generated record as the provider serves it, plus what the endpoints filter and sort on. */
export type GenRecord = {
  id: string;
  /** The local day (account zone) it belongs to: a workout's start day, a night's wake-up day, a daily document's day. */
  day: string;
  /** The instant time filters and sorting use (start time, sample time, measurement time), ms. */
  at: number;
  /** Last modification, ms: change feeds (Withings lastupdate, Hevy events) compare against it. */
  updatedAt: number;
  /** The vendor JSON. */
  body: Record<string, unknown>;
};

/** Per simulated person, stable across providers (a name maps to one body and one home zone). */
export type Profile = {
  timezone: string;
  weightKg: number;
  heightM: number;
  restingHr: number;
  maxHr: number;
  birthYear: number;
  sex: "male" | "female";
};

export type DayContext = {
  provider: string;
  account: string;
  day: string;
  profile: Profile;
  /** A PRNG for this (provider, account, day, salt): the same salt gives the same numbers in every resource. */
  rng(salt: string): Rng;
  /** Deterministic id material for this day. */
  seed(salt: string): string;
};

export type ResourceSpec = {
  /** This resource's records of one local day, deterministic. */
  day(ctx: DayContext): GenRecord[];
  /** A fresh record at `at` (admin "add"); absent = the resource has no single-record adds. */
  make?(ctx: DayContext, at: number, salt: string): GenRecord;
  /** Writes the vendor's "modified" field after an admin update. */
  touch?(body: Record<string, unknown>, at: number): void;
  /** Days of history the provider serves, counted back from "now" (Polar's 28/30 days). */
  historyDays?: number;
  /** A snapshot resource (one current object, no history): WHOOP body, Polar physical-info. */
  snapshot?: boolean;
};

export type ProviderSpec = Record<string, ResourceSpec>;

export const TIMEZONES = [
  "Europe/Paris",
  "America/New_York",
  "America/Los_Angeles",
  "Asia/Tokyo",
  "Australia/Sydney",
  "Asia/Kolkata",
  "America/Sao_Paulo",
  "Europe/London",
] as const;

export function profileOf(account: string, timezone?: string): Profile {
  const r = new Rng(`profile:${account}`);
  // Drawn even when overridden, so a zone override leaves the rest of the body unchanged.
  const home = r.pick(TIMEZONES);
  const sex = r.chance(0.5) ? "male" : "female";
  return {
    timezone: timezone ?? home,
    sex,
    weightKg: r.float(sex === "male" ? 68 : 55, sex === "male" ? 92 : 75, 1),
    heightM: r.float(sex === "male" ? 1.7 : 1.58, sex === "male" ? 1.92 : 1.78, 2),
    restingHr: r.int(46, 66),
    maxHr: r.int(176, 198),
    birthYear: r.int(1965, 2000),
  };
}

/** Epoch ms → "sun tick" weight drift: a slow, deterministic wave so weights look like a real series. */
export function drift(dayNo: number, period: number, amplitude: number): number {
  return amplitude * Math.sin((2 * Math.PI * dayNo) / period);
}

/** The context every generator gets for one (provider, account, day). */
export function dayContext(provider: string, account: string, day: string, profile: Profile): DayContext {
  const base = `${provider}:${account}:${day}`;
  return { provider, account, day, profile, rng: (salt) => new Rng(`${base}:${salt}`), seed: (salt) => `${base}:${salt}` };
}
