import { createHmac } from "node:crypto";
import type { z } from "zod";
import { json, type RouteSpec, type SimResponse } from "../router";
import type { SimulatorState } from "../state";
import type { Delivery } from "./delivery";

/**
 * The shape of one provider's webhook side in the simulator (`providers/<id>/webhook.ts`): the subscription
 * endpoints it serves on the provider's real hosts, how it delivers a notice on demand, and what it
 * delivers when the simulated data of an account changes.
 */

/** A change in an account's simulated data (the data module reports these). */
export type DataChange = {
  provider: string;
  account: string;
  /** The simulator's data resource, e.g. "activities", "sleep", "measures". */
  resource: string;
  kind: "created" | "updated" | "deleted";
  /** The records concerned, in the provider's own JSON shape. */
  records: unknown[];
  /** The span of the change. */
  from: Date;
  to: Date;
  /** The account's local day of the record, when the change is about one. */
  day?: string;
};

export type SimWebhook<I = Record<string, unknown>> = {
  provider: string;
  routes: RouteSpec[];
  /** Extra fields of `POST /__admin/webhooks/deliver` for this provider. */
  input: z.ZodType<I>;
  deliver(state: SimulatorState, account: string, input: I): Promise<Delivery[]>;
  onDataChange?(state: SimulatorState, change: DataChange): Promise<Delivery[]>;
  /** What `GET /__admin/webhooks` lists under `subscriptions.<provider>` (providers with a subscription API). */
  subscriptions?(state: SimulatorState): unknown;
  /**
   * Provider-specific admin calls under `/__admin/webhooks/<provider>`, keyed `"<METHOD> /<path>"`
   * (e.g. Google Health's `POST /verify`). A throw answers 409 with its message.
   */
  admin?: Record<string, (state: SimulatorState, body: unknown) => SimResponse | Promise<SimResponse>>;
};

/** The 400 answer of an admin call whose body does not parse. */
export function badAdminRequest(problems: string[]): SimResponse {
  return json(400, { error: "invalid_request", problems });
}

export const zodProblems = (e: z.ZodError) => e.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);

export const hmacOf = (algorithm: "sha1" | "sha256", key: string, data: string) => createHmac(algorithm, key).update(data).digest();

export const epochSeconds = (state: SimulatorState) => Math.floor(state.now() / 1000);

/** The simulated account that holds a live grant with this provider user id, if any. */
export function grantOf(state: SimulatorState, provider: string, account: string) {
  const grants = [...state.grants.values()].filter((g) => g.provider === provider && g.account === account && g.revokedAt === null);
  return grants[grants.length - 1];
}

/** A per-provider record of webhook state, cleared with the rest of the simulator by reset(). */
export function bagged<T>(state: SimulatorState, key: string, init: () => T): T {
  const bag = state.bag<T>("webhooks");
  let value = bag.get(key);
  if (value === undefined) bag.set(key, (value = init()));
  return value;
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
