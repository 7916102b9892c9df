import type { SimulatorState } from "./state";
import type { SimProviderModule, SimProviders } from "./types";

/**
 * The provider modules a simulator serves, kept per simulator state: `startSimulator` installs the
 * registry it was given, and the core (data store, rate-limit answers, webhook core) looks modules
 * up here instead of importing provider folders.
 */

const installed = new WeakMap<SimulatorState, SimProviders>();

export function installProviders(state: SimulatorState, providers: SimProviders): void {
  installed.set(state, providers);
}

/** The served provider modules, in registry order. */
export function providerModules(state: SimulatorState): SimProviderModule[] {
  const providers = installed.get(state);
  if (!providers) throw new Error("this simulator state has no providers installed (start it with startSimulator)");
  return Object.values(providers);
}

export function providerModule(state: SimulatorState, id: string): SimProviderModule | undefined {
  return providerModules(state).find((m) => m.id === id);
}

