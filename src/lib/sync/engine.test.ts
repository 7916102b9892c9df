import { describe, expect, it } from "vitest";
import { backfillStart, backfillWindow, DAY_MS, localDates, splitWindows, windowDaysFor } from "./engine";
import { providerList } from "@/lib/providers";
import { lastDay, ymd } from "@/lib/providers/shared/fetch";
import type { TimeWindow, WindowResource } from "./types";

/**
 * The sync engine's window arithmetic, on the real fetchers' resources: backfill windows newest
 * first, contiguous, day-aligned where the API takes dates, never more days than the provider
 * allows, sized to fill pages, capped by the history limits — at month and year ends and on the
 * days clocks change, where a local-time implementation would slip by an hour or a day.
 */

const INSTANTS = [
  "2027-01-31T23:30:00Z", // month end
  "2026-12-31T23:45:00Z", // year end
  "2028-02-29T12:00:00Z", // leap day
  "2027-03-14T09:30:00Z", // US spring forward
  "2027-03-28T00:30:00Z", // EU spring forward
  "2027-11-07T08:30:00Z", // US fall back
  "2027-10-31T00:30:00Z", // EU fall back
].map((s) => new Date(s));

const windowResources = providerList.flatMap((p) =>
  (p.pull?.fetcher.resources ?? []).filter((r): r is WindowResource => r.kind === "window").map((r) => ({ name: `${p.id}/${r.resource}`, r })),
);
const byName = (name: string) => windowResources.find((w) => w.name === name)!.r;

/** The dates a day-granular fetcher asks for: ymd(from) .. lastDay(to), inclusive. */
const datesAsked = (w: TimeWindow) => Math.round((Date.parse(`${lastDay(w.to)}T00:00:00Z`) - Date.parse(`${ymd(w.from)}T00:00:00Z`)) / DAY_MS) + 1;
const isMidnight = (d: Date) => d.getTime() % DAY_MS === 0;

/** The engine's backfill loop, without the fetching: windows from `now` back to the start. */
function backfill(r: WindowResource, now: Date, opts: { backfillMaxDays: number; backfillFrom?: Date }, density?: number): TimeWindow[] {
  const start = backfillStart(r, now, opts);
  const out: TimeWindow[] = [];
  let to = now;
  for (;;) {
    const w = backfillWindow(r, to, start, windowDaysFor(r, density));
    out.push(w);
    if (w.from.getTime() <= start.getTime()) return out;
    if (out.length > 10_000) throw new Error("the backfill does not reach its start");
    to = w.from;
  }
}

describe("backfill windows", () => {
  it("exist for every kind of window resource the fetchers declare", () => {
    expect(windowResources.some((w) => w.r.dayAligned)).toBe(true);
    expect(windowResources.some((w) => !w.r.dayAligned)).toBe(true);
  });

  for (const now of INSTANTS) {
    it(`run newest first, contiguous, from now back to exactly the start, within each provider's range (${now.toISOString()})`, () => {
      for (const { name, r } of windowResources) {
        const opts = { backfillMaxDays: 1100 };
        const start = backfillStart(r, now, opts);
        const ws = backfill(r, now, opts);
        expect(ws[0].to, name).toEqual(now);
        expect(ws.at(-1)!.from, name).toEqual(start);
        for (let i = 1; i < ws.length; i++) expect(ws[i].to, `${name} #${i}`).toEqual(ws[i - 1].from);
        // No range cap: one walk over everything.
        if (r.windowDays === undefined) expect(ws, name).toEqual([{ from: start, to: now }]);
        for (const w of ws) {
          expect(w.from.getTime(), name).toBeLessThan(w.to.getTime());
          if (r.dayAligned) {
            // Date parameters: every window starts at a UTC midnight (below the top one, ends at one),
            // and asks for at most windowDays dates — the provider's range limit.
            expect(isMidnight(w.from), `${name} ${w.from.toISOString()}`).toBe(true);
            if (w !== ws[0]) expect(isMidnight(w.to), name).toBe(true);
            expect(datesAsked(w), `${name} ${w.from.toISOString()}`).toBeLessThanOrEqual(r.windowDays ?? Infinity);
          } else {
            expect(w.to.getTime() - w.from.getTime(), name).toBeLessThanOrEqual((r.windowDays ?? Infinity) * DAY_MS);
          }
        }
        // No date is asked for twice: consecutive day-aligned windows meet at a midnight.
        if (r.dayAligned) expect(ws.reduce((n, w) => n + datesAsked(w), 0), name).toBe(datesAsked({ from: start, to: now }));
      }
    });
  }

  it("the top window of a day-granular resource holds all of today, and the full window size below it", () => {
    const coros = byName("coros/sport_list"); // 30 days a call
    const now = new Date("2027-01-31T23:30:00Z");
    const [top, next] = backfill(coros, now, { backfillMaxDays: 365 });
    expect(top).toEqual({ from: new Date("2027-01-02T00:00:00Z"), to: now });
    expect([ymd(top.from), lastDay(top.to)]).toEqual(["2027-01-02", "2027-01-31"]);
    expect(next).toEqual({ from: new Date("2026-12-03T00:00:00Z"), to: new Date("2027-01-02T00:00:00Z") });
    // Across the year end: 2026-12-03 .. 2027-01-01 is 30 dates.
    expect(datesAsked(next)).toBe(30);
  });

  it("a capped window resource without dates is cut at exact instants, not midnights", () => {
    const hr = byName("oura/heartrate"); // 30 days a call, instants
    const now = new Date("2027-03-14T09:30:00Z");
    const [top, next] = backfill(hr, now, { backfillMaxDays: 1100 });
    expect(top).toEqual({ from: new Date(now.getTime() - hr.windowDays! * DAY_MS), to: now });
    expect(next.to).toEqual(top.from);
    expect(backfillStart(hr, now, { backfillMaxDays: 10 })).toEqual(new Date(now.getTime() - 10 * DAY_MS));
  });

  it("an endpoint that takes any range is backfilled in one walk, whatever the density (Strava, Withings)", () => {
    const now = new Date("2027-03-14T09:30:00Z");
    for (const name of ["strava/activities", "withings/measures", "withings/sleep_summary"]) {
      const r = byName(name);
      expect(r.windowDays, name).toBeUndefined();
      for (const density of [undefined, 0.01, 3, 300]) {
        expect(backfill(r, now, { backfillMaxDays: 3650 }, density), name).toEqual([{ from: backfillStart(r, now, { backfillMaxDays: 3650 }), to: now }]);
      }
      expect(splitWindows(r, new Date("2017-01-01T00:00:00Z"), now)).toHaveLength(1);
    }
  });
});

describe("backfillStart", () => {
  const now = new Date("2027-10-31T00:30:00Z");

  it("goes back the configured maximum, floored to a midnight for date APIs", () => {
    const coros = byName("coros/sport_list");
    expect(backfillStart(coros, now, { backfillMaxDays: 100 })).toEqual(new Date("2027-07-23T00:00:00Z"));
  });

  it("never further than the provider keeps (Polar: a year of daily activity)", () => {
    const polar = byName("polar/activities");
    expect(polar.maxHistoryDays).toBeDefined();
    const start = backfillStart(polar, now, { backfillMaxDays: 3650 });
    expect(start).toEqual(new Date(Math.floor((now.getTime() - polar.maxHistoryDays! * DAY_MS) / DAY_MS) * DAY_MS));
    // A smaller configured cap wins over the provider's.
    expect(backfillStart(polar, now, { backfillMaxDays: 10 }).getTime()).toBeGreaterThan(start.getTime());
  });

  it("never before backfillFrom when that is later", () => {
    const strava = byName("strava/activities");
    const from = new Date("2027-01-01T12:34:56Z");
    expect(backfillStart(strava, now, { backfillMaxDays: 3650, backfillFrom: from })).toEqual(from);
    expect(backfillStart(strava, now, { backfillMaxDays: 3650, backfillFrom: new Date("2000-01-01T00:00:00Z") })).toEqual(new Date(now.getTime() - 3650 * DAY_MS));
  });
});

describe("windowDaysFor (sizing windows to whole pages)", () => {
  const paged: WindowResource = { ...byName("strava/activities"), windowDays: 365, pageSize: 200, dayAligned: true };
  const requestsPerRecord = (days: number, density: number) => Math.ceil((density * days) / paged.pageSize!) / (density * days);

  it("keeps the longest window before any density is known", () => {
    expect(windowDaysFor(paged, undefined)).toBe(365);
    expect(windowDaysFor(paged, 0)).toBe(365);
    expect(windowDaysFor({ ...paged, pageSize: undefined }, 3)).toBe(365);
  });

  it("shrinks a window whose last page would be almost empty to one that fills a page", () => {
    // 201 records a year: a year costs 2 requests; 326 days hold ~180 records, one request.
    const density = 201 / 365;
    const days = windowDaysFor(paged, density)!;
    expect(days).toBe(326);
    expect(density * days).toBeLessThanOrEqual(paged.pageSize!);
    expect(requestsPerRecord(days, density)).toBeLessThan(requestsPerRecord(365, density));
  });

  it("is never more expensive per record than the longest window, never longer, and whole days for date APIs", () => {
    for (let density = 0.05; density < 40; density *= 1.37) {
      for (const r of [paged, { ...paged, dayAligned: false }]) {
        const days = windowDaysFor(r, density)!;
        expect(days).toBeLessThanOrEqual(r.windowDays!);
        expect(days).toBeGreaterThan(0);
        if (r.dayAligned) expect(Number.isInteger(days)).toBe(true);
        expect(requestsPerRecord(days, density)).toBeLessThanOrEqual(requestsPerRecord(r.windowDays!, density) + 1e-12);
      }
    }
  });

  it("a sized backfill still reaches exactly its start, windows contiguous", () => {
    const now = new Date("2027-11-07T08:30:00Z");
    const ws = backfill(paged, now, { backfillMaxDays: 1100 }, 201 / 365);
    expect(ws.at(-1)!.from).toEqual(backfillStart(paged, now, { backfillMaxDays: 1100 }));
    for (let i = 1; i < ws.length; i++) expect(ws[i].to).toEqual(ws[i - 1].from);
    for (const w of ws.slice(1, -1)) expect(datesAsked(w)).toBe(326);
  });
});

describe("splitWindows (deltas and narrow syncs)", () => {
  it("cuts [from, to) oldest first into windows no longer than the resource allows, meeting end to end", () => {
    const weight = byName("coros/sport_list"); // 30 days a call
    const from = new Date("2027-01-15T10:00:00Z");
    const to = new Date("2027-03-28T00:30:00Z");
    const ws = splitWindows(weight, from, to);
    expect(ws[0].from).toEqual(new Date("2027-01-15T00:00:00Z"));
    expect(ws.at(-1)!.to).toEqual(to);
    for (let i = 1; i < ws.length; i++) expect(ws[i].from).toEqual(ws[i - 1].to);
    for (const w of ws) expect(datesAsked(w)).toBeLessThanOrEqual(weight.windowDays!);
  });
});

describe("localDates (the dates a day-granular API must be asked for)", () => {
  const ZONES = ["Pacific/Kiritimati", "Pacific/Auckland", "Asia/Tokyo", "Europe/Paris", "UTC", "America/New_York", "America/Los_Angeles", "Pacific/Pago_Pago", "Etc/GMT+12"];
  const localDate = (at: Date, zone: string) => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(at);
  const coros = byName("coros/sport_list");

  for (const now of [...INSTANTS, new Date("2026-12-01T21:30:00Z"), new Date("2026-12-02T08:00:00Z")]) {
    it(`covers the local date of every instant in the window, in every zone (${now.toISOString()})`, () => {
      const w = { from: new Date(now.getTime() - 3 * 3_600_000), to: now };
      const dates = localDates(coros, w);
      expect(isMidnight(dates.from) && isMidnight(dates.to)).toBe(true);
      for (const zone of ZONES) {
        for (const at of [w.from, new Date(w.to.getTime() - 1)]) {
          const d = localDate(at, zone);
          expect(d >= ymd(dates.from) && d <= lastDay(dates.to), `${zone} ${at.toISOString()} → ${d}`).toBe(true);
        }
      }
      // Three hours span at most three dates across all zones (UTC−12 … UTC+14).
      expect(datesAsked(dates)).toBeLessThanOrEqual(3);
    });
  }

  it("leaves instant-based resources alone", () => {
    const strava = byName("strava/activities");
    const w = { from: new Date("2027-03-14T06:30:00Z"), to: new Date("2027-03-14T09:30:00Z") };
    expect(localDates(strava, w)).toEqual(w);
  });
});
