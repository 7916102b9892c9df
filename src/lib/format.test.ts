import { describe, expect, it } from "vitest";
import { formatDuration, formatKm, localDateTime } from "./format";

describe("display formatting", () => {
  it("shows an instant in the record's own offset", () => {
    const start = new Date("2024-01-15T07:30:00Z");
    expect(localDateTime(start, 60)).toBe("2024-01-15 08:30");
    expect(localDateTime(start, -480)).toBe("2024-01-14 23:30");
    expect(localDateTime(start, null)).toBe("2024-01-15 07:30");
  });

  it("formats durations and distances", () => {
    expect(formatDuration(3400)).toBe("0:56:40");
    expect(formatDuration(36061.4)).toBe("10:01:01");
    expect(formatDuration(null)).toBeNull();
    expect(formatKm(10012.3)).toBe("10.01");
    expect(formatKm(undefined)).toBeNull();
  });
});
