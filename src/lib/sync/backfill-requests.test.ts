import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simData } from "@sim/data/generator";
import { STRAVA_MAX_PER_PAGE } from "@sim/providers/strava/endpoints";
import { WITHINGS_PAGE_SIZE } from "@sim/providers/withings/endpoints";
import { engines, type TestDb } from "@/test/db";
import { executeRun } from "./execute";
import { createRun } from "./runs";
import { simulatorForFile } from "./test-simulator";
import { connectAs, dataRequests, newUser } from "./test-support";
import { landedDifferences, TABLES } from "./test-landed";

/**
 * What a first backfill costs in provider requests, over loopback HTTP against the simulator (which
 * pages exactly as the real APIs do), for providers whose endpoints take any range: Strava
 * (`before`/`after`, pages of 200, no "more" flag, so an exactly full last page costs one more
 * request) and Withings (offset pages with `more`). The expected counts come from the record
 * counts and the servers' page sizes only — never from the engine's planner — for a sparse
 * account (a few records over ten years, two of them on the backfill's very first and last
 * second) and a dense one (years of generated history). Plus: a walk interrupted after a page
 * goes on from there, re-reading only that page.
 */

const DAY = 86_400_000;
const BACKFILL_DAYS = 3660;
const fast = { rateLimits: false, baseDelayMs: 1, maxDelayMs: 5, backfillMaxDays: BACKFILL_DAYS, timeoutMs: 30_000 };
const TIMEOUT_MS = 300_000;

/** Requests per resource of one complete walk of `n` records. */
const stravaWalk = (n: number) => Math.floor(n / STRAVA_MAX_PER_PAGE) + 1; // the short (maybe empty) last page ends it
const withingsWalk = (n: number) => Math.max(1, Math.ceil(n / WITHINGS_PAGE_SIZE)); // `more` ends it

const CASES = {
  strava: { resources: ["activities"], walk: stravaWalk, addTo: "activities", denseYears: 10 },
  // Three years already span many pages of every resource (ten take minutes to store on PGlite).
  withings: { resources: ["measures", "workouts", "sleep_summary", "activity"], walk: withingsWalk, addTo: "measures", denseYears: 3 },
} as const;
type Provider = keyof typeof CASES;

const simulator = simulatorForFile();
const requestsTo = (provider: string) => dataRequests(simulator.sim, provider);

let seq = 0;

describe.each(engines)("backfill requests ($name)", ({ name, open }) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(() => t?.close());

  /** The walk cost of every resource of the account, from what the simulator holds for it. */
  function expectedRequests(provider: Provider, account: string): { requests: number; records: number } {
    const data = simData(simulator.sim.state);
    let requests = 0;
    let records = 0;
    for (const resource of CASES[provider].resources) {
      const n = data.expectedRecords(provider, account, resource).length;
      requests += CASES[provider].walk(n);
      records += n;
    }
    return { requests, records };
  }

  /** A first sync of a fresh connection; `prepare` gets the run's clock before anything is fetched. */
  async function syncAndCheck(provider: Provider, account: string, prepare: (now: Date) => void = () => {}) {
    const userId = await newUser(t.db, provider);
    const connection = await connectAs(t.db, simulator.sim, userId, provider, account);
    const run = await createRun(t.db, { connectionId: connection.id, trigger: "connect" });
    // After the run was queued (so it is due), and half a second into a second: an end that is not
    // a whole second, as the real clock's nearly always is.
    const now = new Date(Math.floor(Date.now() / 1000) * 1000 + 1500);
    prepare(now);
    const before = requestsTo(provider);
    const outcome = await executeRun(t.db, run.id, { ...fast, now: () => now });
    expect(outcome.status, "error" in outcome ? String(outcome.error) : "").toBe("succeeded");
    const made = requestsTo(provider) - before;
    const landed = await landedDifferences(t.db, simulator.sim, { userId, provider, account, connectionId: connection.id });
    expect(landed.differences).toEqual(Object.fromEntries(TABLES.map((x) => [x, []])));
    return { made, landed };
  }

  it.each(Object.keys(CASES) as Provider[])("%s, sparse: one request per resource for ten years, records on the range's first and last second included", async (provider) => {
    const account = `quota-sparse-${provider}-${name}-${++seq}`;
    const data = simData(simulator.sim.state);
    data.configure({ provider, account }, { years: 2 / 365.25 });
    const { made, landed } = await syncAndCheck(provider, account, (now) => {
      // The backfill covers exactly [now − BACKFILL_DAYS, now): records on both of its edges.
      const start = now.getTime() - BACKFILL_DAYS * DAY;
      for (const at of [start, start + 1_000, now.getTime() - 2_000 * DAY, now.getTime() - 1]) {
        data.mutate({ op: "add", provider, account, resource: CASES[provider].addTo, at });
      }
    });
    const expected = expectedRequests(provider, account);
    expect(expected.records).toBeGreaterThanOrEqual(4);
    expect(made).toBe(CASES[provider].resources.length);
    expect(made).toBe(expected.requests);
    expect(landed.counts.raw).toBe(expected.records);
  }, TIMEOUT_MS);

  it.each(Object.keys(CASES) as Provider[])("%s, dense: years of history cost ⌈records ÷ page⌉ per resource, nothing missed at page edges", async (provider) => {
    const account = `quota-dense-${provider}-${name}-${++seq}`;
    simData(simulator.sim.state).configure({ provider, account }, { years: CASES[provider].denseYears });
    const expected = expectedRequests(provider, account);
    // Dense enough that every resource spans pages (Withings: at least two).
    expect(expected.requests).toBeGreaterThan(CASES[provider].resources.length * 2);
    const { made, landed } = await syncAndCheck(provider, account);
    expect(made).toBe(expected.requests);
    expect(landed.counts.raw).toBe(expected.records);
  }, TIMEOUT_MS);

  it.each(Object.keys(CASES) as Provider[])("%s: a walk stopped after a page goes on from that page, and only it is read twice", async (provider) => {
    const account = `quota-resume-${provider}-${name}-${++seq}`;
    simData(simulator.sim.state).configure({ provider, account }, { years: 3 });
    const expected = expectedRequests(provider, account);
    const userId = await newUser(t.db, provider);
    const connection = await connectAs(t.db, simulator.sim, userId, provider, account);
    const run = await createRun(t.db, { connectionId: connection.id, trigger: "connect" });
    const crash = new AbortController();
    const start = requestsTo(provider);
    // Dies right after the first committed page (of the first resource).
    const killed = await executeRun(t.db, run.id, { ...fast, signal: crash.signal, onCommit: () => crash.abort() });
    expect(killed.status).toBe("aborted");
    expect(requestsTo(provider) - start).toBe(1);

    const resumed = await executeRun(t.db, run.id, { ...fast, staleMs: 0 });
    expect(resumed.status).toBe("succeeded");
    // The walk: every page once, the committed one twice; plus the delta of the one resource that had started.
    expect(requestsTo(provider) - start).toBe(expected.requests + 1 + 1);
    const landed = await landedDifferences(t.db, simulator.sim, { userId, provider, account, connectionId: connection.id });
    expect(landed.differences).toEqual(Object.fromEntries(TABLES.map((x) => [x, []])));
  }, TIMEOUT_MS);
});
