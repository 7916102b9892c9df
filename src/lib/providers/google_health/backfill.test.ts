import { afterAll, describe, expect, it } from "vitest";
import { simData } from "@sim/data/generator";
import { executeRun } from "@/lib/sync/execute";
import { createRun } from "@/lib/sync/runs";
import { landedDifferences, TABLES } from "@/lib/sync/test-landed";
import { simulatorForFile } from "@/lib/sync/test-simulator";
import { connectAs, dataRequests, newUser } from "@/lib/sync/test-support";
import { pgliteTestDb, type TestDb } from "@/test/db";

/**
 * Google Health lists take any range, so a backfill walks each list in one paged walk. A run that
 * dies after a committed page goes on at the next page token: against the same account's
 * uninterrupted backfill (in another database), the interrupted one costs only its second
 * settings read (the run's time zone) and the delta of the one resource that had started — no
 * page is read again — and lands exactly what Google holds.
 */

const fast = { rateLimits: false, baseDelayMs: 1, maxDelayMs: 5, backfillMaxDays: 400, timeoutMs: 30_000 };
const TIMEOUT_MS = 300_000;
const PROVIDER = "google_health";

const simulator = simulatorForFile();
const requests = () => dataRequests(simulator.sim, PROVIDER);

describe("google_health backfill", () => {
  const dbs: TestDb[] = [];
  afterAll(async () => Promise.all(dbs.map((d) => d.close())));

  async function firstRun(account: string) {
    const t = await pgliteTestDb();
    dbs.push(t);
    const userId = await newUser(t.db, PROVIDER);
    const connection = await connectAs(t.db, simulator.sim, userId, PROVIDER, account);
    const run = await createRun(t.db, { connectionId: connection.id, trigger: "connect" });
    return { t, userId, connection, run };
  }

  it("a walk stopped after a page goes on at the next page token: no page is read twice", async () => {
    const account = "gh-resume";
    simData(simulator.sim.state).configure({ provider: PROVIDER, account }, { years: 1 });

    const whole = await firstRun(account);
    let before = requests();
    expect((await executeRun(whole.t.db, whole.run.id, fast)).status).toBe("succeeded");
    const uninterrupted = requests() - before;

    const cut = await firstRun(account);
    const crash = new AbortController();
    before = requests();
    // Dies right after the first committed page (of the first resource, exercise: pages of 25).
    const killed = await executeRun(cut.t.db, cut.run.id, { ...fast, signal: crash.signal, onCommit: () => crash.abort() });
    expect(killed.status).toBe("aborted");
    const resumed = await executeRun(cut.t.db, cut.run.id, { ...fast, staleMs: 0 });
    expect(resumed.status).toBe("succeeded");
    expect(requests() - before).toBe(uninterrupted + 2);

    const landed = await landedDifferences(cut.t.db, simulator.sim, { userId: cut.userId, provider: PROVIDER, account, connectionId: cut.connection.id });
    expect(landed.differences).toEqual(Object.fromEntries(TABLES.map((x) => [x, []])));
  }, TIMEOUT_MS);
});
