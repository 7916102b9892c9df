import { describe, expect, it } from "vitest";
import { isoInstant, isTimeZone, localDateAt, offsetFromLocalMidnight, parseBridgeDate, zoneOffsetMinutes } from "./dates";

describe("parseBridgeDate", () => {
  it.each([
    ["2024-01-02 07:00:00 -0800", "2024-01-02T15:00:00.000Z", -480, "2024-01-02"],
    ["2024-09-28 4:51:59 pm +1000", "2024-09-28T06:51:59.000Z", 600, "2024-09-28"], // the real 12-hour leak
    ["2024-09-28 12:05:00 am +1000", "2024-09-27T14:05:00.000Z", 600, "2024-09-28"], // 12 am = 00
    ["2024-09-28 12:05:00 PM +1000", "2024-09-28T02:05:00.000Z", 600, "2024-09-28"], // 12 pm = 12
    ["2024-03-05 8:00:00\u202fPM +0100", "2024-03-05T19:00:00.000Z", 60, "2024-03-05"], // iOS 17 narrow no-break space
    ["2024-03-05 8:00:00 p.m. +0100", "2024-03-05T19:00:00.000Z", 60, "2024-03-05"],
    ["2026-05-09T14:00:00.123Z", "2026-05-09T14:00:00.123Z", 0, "2026-05-09"], // Android Instant.toString()
    ["2026-05-09T14:00:00+05:30", "2026-05-09T08:30:00.000Z", 330, "2026-05-09"],
    ["2024-02-06", "2024-02-06T00:00:00.000Z", null, "2024-02-06"], // date-only sleep `date`
  ])("%s", (input, iso, offset, local) => {
    const d = parseBridgeDate(input)!;
    expect(d.at.toISOString()).toBe(iso);
    expect(d.offsetMinutes).toBe(offset);
    expect(d.localDate).toBe(local);
  });

  it("marks date-only values and values without offset", () => {
    expect(parseBridgeDate("2024-02-06")!.dateOnly).toBe(true);
    expect(parseBridgeDate("2024-02-06 10:00:00")).toMatchObject({ dateOnly: false, offsetMinutes: null });
  });

  it.each(["", "yesterday", "2024-13-01 00:00:00 +0000", "2024-02-31 00:00:00 +0000", "2024-01-01 13:00:00 pm +0000", "2024-01-01 25:00:00 +0000", "2024-01-01 10:00:00 +1900", 1700000000])(
    "refuses %j",
    (input) => expect(parseBridgeDate(input)).toBeNull(),
  );
});

describe("time zones", () => {
  it("computes offsets with DST", () => {
    expect(zoneOffsetMinutes("America/Los_Angeles", new Date("2024-01-15T12:00:00Z"))).toBe(-480);
    expect(zoneOffsetMinutes("America/Los_Angeles", new Date("2024-07-15T12:00:00Z"))).toBe(-420);
    expect(zoneOffsetMinutes("Asia/Kolkata", new Date("2024-07-15T12:00:00Z"))).toBe(330);
    expect(zoneOffsetMinutes("UTC", new Date())).toBe(0);
  });

  it("reads Health Auto Export's own form by hand exactly as the general pattern does, invalid values included", () => {
    // A leading space skips the hand-written path (it wants exactly 25 characters); trim() gives the pattern the same text.
    for (const s of [
      "2024-01-02 07:00:00 -0800",
      "2024-02-29 23:59:60 +1400",
      "0001-01-01 00:00:00 +0000",
      "2023-02-29 07:00:00 +0100", // no such day
      "2024-13-01 07:00:00 +0100",
      "2024-01-02 24:00:00 +0100",
      "2024-01-02 07:00:00 +1500", // no such offset
      "2024-01-02 07:00:00 +0160",
      "2024-01-02 07:0x:00 +0100",
      "2024-01-02T07:00:00 +0100", // ISO's T: the pattern's
    ]) {
      const fast = parseBridgeDate(s);
      expect({ ...fast, at: fast?.at.toISOString() }, s).toEqual({ ...parseBridgeDate(` ${s}`), at: parseBridgeDate(` ${s}`)?.at.toISOString() });
    }
    expect(parseBridgeDate("2024-01-02 07:00:00 -0800")).toEqual({ at: new Date("2024-01-02T15:00:00Z"), offsetMinutes: -480, localDate: "2024-01-02", dateOnly: false });
  });

  it("validates zone names", () => {
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("'; drop table")).toBe(false);
  });

  it("infers the offset from a local-midnight timestamp (Health Connect Exports)", () => {
    expect(offsetFromLocalMidnight(Date.parse("2024-05-30T21:00:00Z"))).toBe(180); // UTC+3
    expect(offsetFromLocalMidnight(Date.parse("2024-05-31T04:00:00Z"))).toBe(-240); // New York, summer
    expect(offsetFromLocalMidnight(Date.parse("2024-05-30T18:30:00Z"))).toBe(330); // India
    expect(offsetFromLocalMidnight(Date.parse("2024-05-31T10:00:00Z"))).toBe(-600); // Hawaii, not +14
    expect(offsetFromLocalMidnight(Date.parse("2024-05-30T11:00:00Z"))).toBe(780); // NZ summer / Tonga
    expect(offsetFromLocalMidnight(Date.parse("2024-05-31T00:00:00Z"))).toBe(0);
    expect(localDateAt(new Date(Date.parse("2024-05-30T21:00:00Z")), 180)).toBe("2024-05-31");
  });
});

describe("isoInstant", () => {
  it("writes what toISOString writes at the calendar's edges", () => {
    const edges = [
      "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2000-02-29T12:34:56.789Z", "1900-02-28T23:59:59.999Z", "1900-03-01T00:00:00.000Z",
      "2100-03-01T00:00:00.001Z", "2024-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z", "0001-03-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z",
    ];
    for (const iso of edges) expect(isoInstant(Date.parse(iso))).toBe(iso);
  });
  it("agrees with toISOString on instants spread over four centuries", () => {
    // A fixed Park–Miller sequence: reproducible, exact in doubles, and it reaches every month, day and millisecond digit.
    let x = 12345;
    const span = Date.parse("2200-01-01T00:00:00Z") - Date.parse("1800-01-01T00:00:00Z");
    for (let i = 0; i < 20_000; i++) {
      x = (x * 48271) % 2147483647;
      const ms = Date.parse("1800-01-01T00:00:00Z") + Math.floor((x / 2147483647) * span);
      expect(isoInstant(ms)).toBe(new Date(ms).toISOString());
    }
  });
  it("leaves what it does not cover to Date: outside years 0000–9999, fractions of a millisecond", () => {
    expect(isoInstant(Date.parse("+010000-01-01T00:00:00Z"))).toBe("+010000-01-01T00:00:00.000Z");
    expect(isoInstant(Date.parse("-000001-12-31T00:00:00Z"))).toBe("-000001-12-31T00:00:00.000Z");
    expect(isoInstant(1.5)).toBe(new Date(1.5).toISOString());
    expect(() => isoInstant(Number.NaN)).toThrow(RangeError);
  });
});
