import { afterAll, beforeAll } from "vitest";
import { simData } from "@sim/data/generator";
import { startSimulator, type RunningSimulator } from "@sim/server";
import { applySimulatorEnv } from "./test-support";

/**
 * The provider simulator for one test file: started before its tests with the app's environment
 * pointed at it and its rate limits off (their handling has its own tests), stopped and the
 * environment restored after. Read `.sim` inside tests and hooks. `years`: how much history it serves.
 */
export function simulatorForFile(opts: { years?: number } = {}): { readonly sim: RunningSimulator } {
  let sim: RunningSimulator | undefined;
  const saved = { ...process.env };
  beforeAll(async () => {
    sim = await startSimulator({ port: 0 });
    applySimulatorEnv(sim);
    const data = simData(sim.state);
    data.enforceRateLimits = false;
    if (opts.years !== undefined) data.configure({}, { years: opts.years });
  });
  afterAll(async () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await sim?.close();
  });
  return {
    get sim() {
      if (!sim) throw new Error("the simulator starts in beforeAll");
      return sim;
    },
  };
}
