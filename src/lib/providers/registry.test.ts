import { readdirSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { simRegistry } from "@sim/providers";
import type { SimProviderModule } from "@sim/types";
import { PROVIDER_IDS, providerList, providers, pullProvider } from "./index";
import { pullSide, type ProviderDefinition } from "./types";
import { ouraTransforms } from "./oura/transform";
import type { ProviderFetcher } from "@/lib/sync/types";

/**
 * The registry against the folders, the simulator and itself: what the compiler cannot see (a
 * folder left out of the registry, a provider the simulator does not speak, a webhook whose
 * simulator side is missing) fails here.
 */

const folder = new URL("./", import.meta.url);
const providerFolders = readdirSync(folder).filter((name) => name !== "shared" && statSync(new URL(name, folder)).isDirectory());

describe("the provider registry", () => {
  it("has one folder per provider and one entry per folder, keyed by its own id", () => {
    expect(providerFolders.sort()).toEqual([...PROVIDER_IDS].sort());
    for (const id of PROVIDER_IDS) expect(providers[id].id).toBe(id);
    expect(providerList.map((p) => p.id)).toEqual([...PROVIDER_IDS]);
  });

  it("gives every pulled resource a transform, and every resource a unique name", () => {
    for (const def of providerList) {
      if (!def.pull) continue;
      const names = def.pull.fetcher.resources.map((r) => r.resource);
      expect(new Set(names).size, `${def.id} resource names`).toBe(names.length);
      for (const name of names) expect(typeof def.pull.transforms[name], `${def.id}/${name} transform`).toBe("function");
    }
  });

  it("pulls from every connected provider except push-only Garmin; bridges pull nothing", () => {
    const pulled = providerList.filter((p) => p.pull).map((p) => p.id);
    expect(pulled.sort()).toEqual(["coros", "eightsleep", "google_health", "hevy", "oura", "polar", "strava", "whoop", "withings"]);
    expect(pullProvider("garmin")).toBeUndefined();
    expect(providers.garmin.webhook?.backfill?.days).toBeGreaterThan(0);
    expect(pullProvider("not-a-provider")).toBeUndefined();
  });

  it("has a simulator counterpart for every provider one can connect, with its data and its webhook", () => {
    const simulated: Record<string, SimProviderModule> = simRegistry;
    for (const def of providerList) {
      if (def.authKind === "bridge") continue;
      const sim = simulated[def.id];
      expect(sim, `${def.id} in the simulator`).toBeDefined();
      if (def.pull) {
        const generated = Object.keys(sim.data?.generator ?? {});
        for (const r of def.pull.fetcher.resources) expect(generated, `${def.id}/${r.resource} generated`).toContain(r.resource);
      }
      expect(Boolean(sim.webhook), `${def.id}: a webhook here and in the simulator, or in neither`).toBe(Boolean(def.webhook));
    }
  });

  it("keeps the legacy Fitbit id for its stored connections, with nothing left that could call the dead API", () => {
    const fitbit = providers.fitbit;
    expect(fitbit.authKind).toBe("retired");
    expect(fitbit.authKind === "retired" && fitbit.retired).toEqual({ since: "2026-11-02", successor: "google_health", what: "Fitbit's old Web API" });
    expect([fitbit.pull, fitbit.webhook, fitbit.subscriptions, "oauth2" in fitbit ? fitbit.oauth2 : undefined]).toEqual([undefined, undefined, undefined, undefined]);
    expect(fitbit.credentialVars).toEqual([]);
  });

  it("says how every webhook's subscription is set up", () => {
    for (const def of providerList) if (def.webhook) expect(def.subscriptions, `${def.id} subscriptions`).toBeDefined();
  });

  it("refuses, at compile time, a fetcher resource without a transform", () => {
    const fetcher: ProviderFetcher<"workout" | "no_such_transform"> = { authorize: () => {}, budget: [], resources: [] };
    // @ts-expect-error "no_such_transform" has no transform in ouraTransforms
    const pull = pullSide(ouraTransforms, fetcher);
    expect(pull.transforms).toBe(ouraTransforms);
    // @ts-expect-error an OAuth 2.0 provider must carry its flow
    const incomplete: ProviderDefinition = { id: "oura", name: "Oura", authKind: "oauth2", dataTypes: [], credentialVars: [] };
    expect(incomplete.authKind).toBe("oauth2");
  });
});
