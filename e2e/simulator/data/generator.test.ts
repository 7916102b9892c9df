import { describe, expect, it } from "vitest";
import { pullProvider } from "@/lib/providers";
import { ouraTransforms } from "@/lib/providers/oura/transform";
import { whoopTransforms } from "@/lib/providers/whoop/transform";
import { withingsTransforms } from "@/lib/providers/withings/transform";
import { addDays, dayNumber, localDay, tzOffset } from "./core";
import { DATA_PROVIDERS, expectedRecords, MAX_SPAN_DAYS, resourcesOf, SimData } from ".";

const NOW = Date.parse("2026-06-15T12:00:00Z");

describe("generated data", () => {
  it("is deterministic per (provider, account, day) and differs between accounts", () => {
    const range = { from: "2025-01-01", to: "2025-03-31" };
    const a = expectedRecords("strava", "athlete-1", "activities", range);
    expect(expectedRecords("strava", "athlete-1", "activities", range)).toEqual(a);
    expect(a.length).toBeGreaterThan(30);
    expect(expectedRecords("strava", "athlete-2", "activities", range)).not.toEqual(a);
    // A day's records do not depend on the range they were asked with.
    const march = expectedRecords("strava", "athlete-1", "activities", { from: "2025-03-01", to: "2025-03-31" });
    expect(a.slice(a.length - march.length)).toEqual(march);
  });

  it("spans ten years lazily", () => {
    const recs = expectedRecords("strava", "athlete-1", "activities", { from: "2016-06-15", to: "2026-06-14" });
    // ≈ 0.68 sessions a day over 3,652 days
    expect(recs.length).toBeGreaterThan(2000);
    expect(recs.length).toBeLessThan(3000);
    expect(new Set(recs.map((r) => r.id)).size).toBe(recs.length);
    const starts = recs.map((r) => String(r.start_date));
    expect([...starts].sort()).toEqual(starts);
  });

  it("places local times in the account's zone (Strava start_date_local and utc_offset agree)", () => {
    const store = new SimData(() => NOW, {});
    store.configure({ account: "tokyo" }, { timezone: "Asia/Tokyo" });
    const tz = store.timezone("strava", "tokyo");
    for (const r of store.list("strava", "tokyo", "activities", { from: "2026-01-01", to: "2026-01-31" })) {
      const start = Date.parse(String(r.body.start_date));
      expect(r.body.utc_offset).toBe(9 * 3600);
      expect(String(r.body.start_date_local).slice(0, 10)).toBe(localDay(start, tz));
      expect(r.day).toBe(localDay(start, tz));
    }
  });

  it("defaults to three years ending yesterday, configurable up to ten years", () => {
    const store = new SimData(() => NOW, {});
    const cfg = store.config("oura", "athlete-1");
    expect(cfg.to).toBe("2026-06-14");
    expect(dayNumber(cfg.to) - dayNumber(cfg.from) + 1).toBe(Math.round(3 * 365.25));
    expect(store.configure({ provider: "oura" }, { years: 10 }).from).toBe(addDays("2026-06-14", -Math.round(10 * 365.25) + 1));
    expect(() => store.configure({}, { from: "2010-01-01", to: "2026-01-01" })).toThrow(/at most 3653/);
    expect(MAX_SPAN_DAYS).toBe(3653);
    const env = new SimData(() => NOW, { SIMULATOR_DATA_FROM: "2026-01-01", SIMULATOR_DATA_TO: "2026-01-31", SIMULATOR_RATE_LIMITS: "off" });
    expect(env.config("hevy", "x")).toMatchObject({ from: "2026-01-01", to: "2026-01-31" });
    expect(env.enforceRateLimits).toBe(false);
    store.configure({}, { timezone: "Asia/Tokyo" });
    expect(store.config("whoop", "anyone").timezone).toBe("Asia/Tokyo");
    store.configure({ account: "anyone" }, { timezone: "UTC" });
    expect(store.config("whoop", "anyone").timezone).toBe("UTC");
  });

  it("ends the default range on the account's own yesterday, whatever the time of day", () => {
    // 12:00 UTC is already the 16th on Kiritimati (UTC+14) and still the 15th in Pago Pago (UTC−11).
    const store = new SimData(() => NOW, {});
    store.configure({ account: "east" }, { timezone: "Pacific/Kiritimati" });
    store.configure({ account: "west" }, { timezone: "Pacific/Pago_Pago" });
    expect(store.config("withings", "east").to).toBe("2026-06-15");
    expect(store.config("withings", "west").to).toBe("2026-06-14");
    expect(dayNumber(store.config("withings", "east").to) - dayNumber(store.config("withings", "east").from) + 1).toBe(Math.round(3 * 365.25));
    // So a provider's newest change (Withings: a day's activity, modified just after local midnight)
    // is always less than a day old, as it would be for a person wearing the device.
    for (const [account, hour] of [["east", 9], ["east", 10], ["west", 10], ["west", 11], ["tokyo", 14], ["tokyo", 16]] as const) {
      const at = Date.parse(`2026-06-15T${String(hour).padStart(2, "0")}:30:00Z`);
      const s = new SimData(() => at, {});
      if (account === "tokyo") s.configure({ account }, { timezone: "Asia/Tokyo" });
      else s.configure({ account }, { timezone: account === "east" ? "Pacific/Kiritimati" : "Pacific/Pago_Pago" });
      const newest = Math.max(...s.list("withings", account, "activity").map((r) => r.updatedAt));
      expect(at - newest, `${account} at ${hour}:30Z`).toBeLessThan(86_400_000);
    }
  });

  it("serves only the history a provider keeps (Polar: 28/30 days)", () => {
    const store = new SimData(() => NOW, {});
    const today = localDay(NOW, store.timezone("polar", "athlete-1"));
    expect(store.window("polar", "athlete-1", "sleep")).toEqual({ from: addDays(today, -27), to: "2026-06-14" });
    expect(store.window("polar", "athlete-1", "exercises")?.from).toBe(addDays(today, -29));
    expect(store.list("polar", "athlete-1", "sleep")).toHaveLength(dayNumber("2026-06-14") - dayNumber(addDays(today, -27)) + 1);
  });

  it("mutations: add, update and delete show in the served set and in the change feeds", () => {
    let now = NOW;
    const store = new SimData(() => now, {});
    store.configure({}, { from: "2026-05-01", to: "2026-06-14" });
    const before = store.list("hevy", "lifter-1", "workouts");
    const added = store.mutate({ op: "add", provider: "hevy", account: "lifter-1", resource: "workouts", patch: { title: "Added" } });
    expect(added.record).toMatchObject({ title: "Added", start_time: "2026-06-15T12:00:00Z" });
    now += 60_000;
    const victim = before[0].id;
    store.mutate({ op: "delete", provider: "hevy", account: "lifter-1", resource: "workouts", id: victim });
    const edited = store.mutate({ op: "update", provider: "hevy", account: "lifter-1", resource: "workouts", id: before[1].id, patch: { title: "Edited" } });
    expect(edited.record).toMatchObject({ title: "Edited", updated_at: "2026-06-15T12:01:00Z" });
    const after = store.list("hevy", "lifter-1", "workouts");
    expect(after.map((r) => r.id)).toEqual([...before.slice(1).map((r) => r.id), added.id]);
    expect(after.find((r) => r.id === before[1].id)?.body.title).toBe("Edited");
    expect(store.deletedSince("hevy", "lifter-1", "workouts", NOW)).toEqual([{ id: victim, at: NOW + 60_000, day: before[0].day }]);
    expect(() => store.mutate({ op: "delete", provider: "hevy", account: "lifter-1", resource: "workouts", id: "nope" })).toThrow(/no hevy\/workouts record/);
    expect(() => store.mutate({ op: "add", provider: "oura", account: "a", resource: "daily_sleep" })).toThrow(/cannot be added/);
  });

  it("Withings: an update moves `modified` so lastupdate sees it", () => {
    const store = new SimData(() => NOW, {});
    store.configure({}, { from: "2026-06-01", to: "2026-06-14" });
    const first = store.list("withings", "athlete-1", "sleep_summary")[0];
    const m = store.mutate({ op: "update", provider: "withings", account: "athlete-1", resource: "sleep_summary", id: first.id, patch: { data: { sleep_score: 12 } } });
    expect(m.record).toMatchObject({ modified: NOW / 1000, data: { sleep_score: 12, total_sleep_time: (first.body.data as { total_sleep_time: number }).total_sleep_time } });
  });

  it("every generated record is accepted by the app's transforms, one raw row each", () => {
    const store = new SimData(() => NOW, {});
    store.configure({}, { from: "2026-03-01", to: "2026-04-15" }); // crosses the spring DST change
    for (const provider of DATA_PROVIDERS) {
      for (const resource of resourcesOf(provider)) {
        const account = provider === "hevy" ? "lifter-1" : "athlete-7";
        const timezone = store.timezone(provider, account);
        const records = store.expectedRecords(provider, account, resource);
        const transform = pullProvider(provider)!.transforms[resource];
        expect(transform, `${provider}/${resource}`).toBeTypeOf("function");
        const ctx = provider === "withings" && resource === "measures" ? { timezone } : { timezone, fetchedAt: new Date(NOW) };
        const { batch, skipped } = transform(records, ctx);
        expect(skipped, `${provider}/${resource}`).toEqual([]);
        expect(batch.raw.length, `${provider}/${resource}`).toBe(records.length);
      }
    }
  });

  it("sleep lands on the wake-up day in the account's zone (Oura, WHOOP, Withings agree)", () => {
    const store = new SimData(() => NOW, {});
    store.configure({ account: "la" }, { timezone: "America/Los_Angeles" });
    const range = { from: "2026-02-01", to: "2026-02-07" };
    const days = (provider: string, resource: string, rowsOf: (recs: Array<Record<string, unknown>>) => Array<{ localDate: string }>) =>
      rowsOf(store.expectedRecords(provider, "la", resource, range)).map((s) => s.localDate);
    const week = ["2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05", "2026-02-06", "2026-02-07"];
    expect(days("whoop", "sleep", (r) => whoopTransforms.sleep(r).batch.sleepSessions)).toEqual(week);
    expect(days("withings", "sleep_summary", (r) => withingsTransforms.sleep_summary(r).batch.sleepSessions)).toEqual(week);
    const oura = ouraTransforms.sleep(store.expectedRecords("oura", "la", "sleep", range)).batch.sleepSessions.filter((s) => !s.isNap);
    expect(oura.map((s) => s.localDate)).toEqual(week);
    // Bedtime is the evening before, at −08:00.
    expect(tzOffset("America/Los_Angeles", oura[0].startAt.getTime())).toBe(-480);
  });
});
