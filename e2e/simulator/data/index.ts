import { simRegistry } from "../providers";
import { Generators, SimData as SimDataStore } from "./generator";

/**
 * The data module over the full provider registry, for tests and scripts that work without a
 * running simulator: the pure generator functions and a store bound to every provider's generator.
 * (A running simulator's store is `simData(sim.state)`, over the providers it serves.)
 */

export const generators = Generators.of(Object.values(simRegistry));

/** The providers with pull data, in registry order. */
export const DATA_PROVIDERS: string[] = generators.providers;

export const resourcesOf = (provider: string): string[] => generators.resourcesOf(provider);

/** Pure: the generated records of the local days from..to (inclusive), oldest first (see Generators). */
export const expectedRecords = (...args: Parameters<Generators["expectedRecords"]>) => generators.expectedRecords(...args);

/** A data store over every provider's generator (`new SimData(now, env?)`). */
export class SimData extends SimDataStore {
  constructor(now: () => number, env?: Record<string, string | undefined>) {
    super(generators, now, env);
  }
}

export { DataError, MAX_SPAN_DAYS, simData, type MutationResult } from "./generator";
