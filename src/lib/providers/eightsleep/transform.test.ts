import { describe, expect, it } from "vitest";
import { eightsleepTransforms } from "./transform";
import { fixturesOf } from "../shared/fixtures";

const fixture = fixturesOf(import.meta.url);

describe("eightsleep trends", () => {
  it("a day is a sleep session plus the day's score", () => {
    const sample = fixture("eightsleep-trend-day.json");
    const { batch } = eightsleepTransforms.trends([sample], { timezone: "Europe/London" });
    const s = batch.sleepSessions[0];
    // 22:58Z → 06:41Z = 7 h 43 min = 27780 s in bed; London is on GMT in February
    expect(s).toMatchObject({
      externalId: "1700000000",
      localDate: "2026-02-12",
      utcOffsetMinutes: 0,
      inBedS: 27780,
      asleepS: 26580,
      deepS: 5400,
      remS: 6780,
      score: 84,
    });
    expect(batch.dailySummaries[0]).toEqual({ provider: "eightsleep", date: "2026-02-12", sleepS: 26580, sleepScore: 84, raw: { "eightsleep:trends": sample } });
  });

  it("a day without presence times still gives its daily part", () => {
    const { batch } = eightsleepTransforms.trends([{ day: "2026-02-13", score: 70, sleepDuration: 20000, incomplete: true }]);
    expect(batch.sleepSessions).toEqual([]);
    expect(batch.dailySummaries[0]).toMatchObject({ date: "2026-02-13", sleepScore: 70, sleepS: 20000 });
  });
});
