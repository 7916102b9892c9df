/**
 * Dates as the phone bridges send them. Health Auto Export: `yyyy-MM-dd HH:mm:ss Z`
 * (`2024-01-02 07:00:00 -0800`), but 12-hour locales leak through (`2024-09-28 4:51:59 pm +1000`,
 * iOS 17+ puts a narrow no-break space before "PM"), sleep `date` can be date-only, and other
 * receivers have seen ISO forms. Android apps send ISO-8601 UTC (`Instant.toString()`).
 * Parsed by hand on purpose: `new Date(str)` is engine-dependent for these forms.
 */

export type ParsedDate = {
  /** UTC instant (for a date-only value: midnight at the given or UTC offset). */
  at: Date;
  /** The offset written in the value, in minutes east of UTC; null when it had none. */
  offsetMinutes: number | null;
  /** The calendar day as written (the local day when an offset was given). */
  localDate: string;
  dateOnly: boolean;
};

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:\s*([ap])\.?\s*m\.?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Parses a bridge date, or returns null when it is not one. */
export function parseBridgeDate(input: unknown): ParsedDate | null {
  if (typeof input !== "string") return null;
  const fast = parseHaeDate(input);
  if (fast) return fast;
  const m = PATTERN.exec(input.trim());
  if (!m) return null;
  const [, y, mo, d, hh, mi, ss, frac, ampm, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  let hour = hh === undefined ? 0 : Number(hh);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = ss === undefined ? 0 : Number(ss);
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  if (ampm) {
    if (hour < 1 || hour > 12) return null;
    const pm = ampm.toLowerCase() === "p";
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const offsetMinutes = parseOffset(zone);
  if (zone && offsetMinutes === null) return null;
  const dayMs = dayStart(year, month, day);
  if (dayMs === null) return null;
  const wallClock = dayMs + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
  return {
    at: new Date(wallClock - (offsetMinutes ?? 0) * 60_000),
    offsetMinutes,
    localDate: `${y}-${mo}-${d}`,
    dateOnly: hh === undefined,
  };
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

/**
 * Health Auto Export's own form, `2024-01-02 07:00:00 -0800`, read by hand (a year of minute heart
 * rate is half a million of them; the pattern and its ten captures cost a fifth of parsing a point).
 * Null for anything else, including an invalid day or offset: the general path then decides.
 */
function parseHaeDate(s: string): ParsedDate | null {
  if (s.length !== 25) return null;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 32) return null; // "-", "-", " "
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 32) return null; // ":", ":", " "
  const sign = s.charCodeAt(20) === 43 ? 1 : s.charCodeAt(20) === 45 ? -1 : 0; // "+", "-"
  const year = two(s, 0) * 100 + two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  const offsetHours = two(s, 21);
  const offsetMinutes = two(s, 23);
  // NaN (a non-digit) fails every comparison below.
  if (!sign || !(year >= 0) || !(month >= 1 && month <= 12) || !(day >= 1 && day <= 31)) return null;
  if (!(hour <= 23) || !(minute <= 59) || !(second <= 60) || !(offsetHours <= 14) || !(offsetMinutes <= 59)) return null;
  const dayMs = dayStart(year, month, day);
  if (dayMs === null) return null;
  const offset = sign * (offsetHours * 60 + offsetMinutes);
  return {
    at: new Date(dayMs + ((hour * 60 + minute) * 60 + second) * 1000 - offset * 60_000),
    offsetMinutes: offset,
    localDate: s.slice(0, 10),
    dateOnly: false,
  };
}

/** The last day validated: bridges send thousands of points per day, in order. */
let lastDay = { year: NaN, month: NaN, day: NaN, ms: null as number | null };

/** Midnight UTC of a calendar day in ms, null for 2024-02-31 and friends (never rolled over into March). */
function dayStart(year: number, month: number, day: number): number | null {
  if (lastDay.year === year && lastDay.month === month && lastDay.day === day) return lastDay.ms;
  // Date.UTC reads years 0–99 as 1900–1999: set the year itself so `0001` stays year 1.
  const utc = new Date(Date.UTC(2000, month - 1, day));
  utc.setUTCFullYear(year, month - 1, day);
  const ms = utc.getUTCDate() === day ? utc.getTime() : null;
  lastDay = { year, month, day, ms };
  return ms;
}

let lastZone = { zone: "", minutes: null as number | null };

function parseOffset(zone: string | undefined): number | null {
  if (!zone) return null;
  if (zone === lastZone.zone) return lastZone.minutes;
  const minutes = offsetOf(zone);
  lastZone = { zone, minutes };
  return minutes;
}

function offsetOf(zone: string): number | null {
  if (/^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const sign = zone[0] === "-" ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 14 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
/** 0000-01-01 and 10000-01-01: the years `toISOString` writes with four digits. */
const ISO_MIN_MS = -62_167_219_200_000;
const ISO_MAX_MS = 253_402_300_800_000;

/**
 * `new Date(ms).toISOString()`, the same string, about five times faster: a FHIR page formats three
 * instants per Observation and `toISOString` was most of building a 1000-row page. The calendar
 * arithmetic is the days-to-civil conversion of H. Hinnant's "chrono-compatible low-level date
 * algorithms"; instants outside years 0000–9999 (and NaN) fall back to Date.
 */
export function isoInstant(ms: number): string {
  if (!(ms >= ISO_MIN_MS && ms < ISO_MAX_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  return `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.${THREE_DIGITS[rest - second * 1000]}Z`;
}

/** `yyyy-mm-dd` of an instant seen at a fixed offset. */
export function localDateAt(at: Date, offsetMinutes: number): string {
  return new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** The instant of local midnight starting `date` at `offsetMinutes`. */
export function startOfLocalDay(date: string, offsetMinutes: number): number {
  return Date.parse(`${date}T00:00:00Z`) - offsetMinutes * 60_000;
}

/** `yyyy-mm-dd` + n days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** True for an IANA zone name the runtime knows ("Europe/Berlin", "UTC"). */
export function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z_+\-/0-9]{1,64}$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of an IANA zone at an instant, in minutes east of UTC. */
export function zoneOffsetMinutes(tz: string, at: Date): number {
  if (tz === "UTC") return 0;
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(tz, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(at)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/**
 * Health Connect Exports sends "yesterday 00:00 local" as epoch ms and nothing about the zone.
 * Local midnight happened at that UTC clock time, so the offset is minus it (mod 24 h); of the two
 * candidates we take the one in [-10:00, +14:00), i.e. we assume nobody uses UTC−11/−12 (Niue,
 * American Samoa, Baker Island) and that UTC−10 (Hawaii) is likelier than UTC+14 (Line Islands).
 * An explicit `?tz=` on the webhook URL overrides this guess.
 */
export const MIDNIGHT_OFFSET_MIN_MINUTES = -10 * 60;

export function offsetFromLocalMidnight(epochMs: number): number {
  const minuteOfDay = Math.round((((epochMs / 60_000) % 1440) + 1440) % 1440);
  const candidate = minuteOfDay === 0 ? 0 : -minuteOfDay;
  return candidate >= MIDNIGHT_OFFSET_MIN_MINUTES ? candidate : 1440 - minuteOfDay;
}
