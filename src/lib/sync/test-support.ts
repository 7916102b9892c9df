import { randomBytes } from "node:crypto";
import { DEMO_EIGHTSLEEP_PASSWORD, DEMO_HEVY_API_KEYS, demoEnv } from "@sim/clients";
import type { RunningSimulator } from "@sim/server";
import { authorize } from "@sim/testing";
import { completeConnect, startConnect } from "@/lib/connections/connect";
import { connectWithApiKey, connectWithPassword } from "@/lib/connections/credentials";
import type { Db } from "@/lib/db";
import { users, type ProviderConnection } from "@/lib/db/schema";

/**
 * Shared by the sync tests and `scripts/bench-sync.ts` (not a test file): app environment for a
 * simulator, and real connections made through each provider's own flow (consent page, API key,
 * password sign-in) so tokens are whatever the simulator issued.
 */

/** Sets the app's environment for the simulator; call before anything reads env(). */
export function applySimulatorEnv(sim: RunningSimulator): void {
  Object.assign(process.env, demoEnv(sim.url), {
    APP_URL: "http://localhost:3000",
    TOKEN_ENCRYPTION_KEYS: process.env.TOKEN_ENCRYPTION_KEYS ?? `t1:${randomBytes(32).toString("base64")}`,
    NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? randomBytes(32).toString("base64url"),
  });
}

export async function newUser(db: Db, prefix = "sync"): Promise<string> {
  const [user] = await db
    .insert(users)
    .values({ email: `${prefix}-${randomBytes(5).toString("hex")}@example.test` })
    .returning({ id: users.id });
  return user.id;
}

/** The demo Hevy API key of a simulated Hevy account. */
export function hevyKeyFor(account: string): string {
  const key = Object.entries(DEMO_HEVY_API_KEYS).find(([, a]) => a === account)?.[0];
  if (!key) throw new Error(`no demo Hevy API key for account ${account}`);
  return key;
}

/**
 * Connects `provider` for `userId` as the simulated `account` (for Eight Sleep an e-mail address,
 * for Hevy one of the demo key accounts).
 */
export async function connectAs(
  db: Db,
  sim: RunningSimulator,
  userId: string,
  provider: string,
  account: string,
): Promise<ProviderConnection> {
  if (provider === "hevy") return connectWithApiKey(db, userId, "hevy", hevyKeyFor(account));
  if (provider === "eightsleep") return connectWithPassword(db, userId, "eightsleep", { email: account, password: DEMO_EIGHTSLEEP_PASSWORD });
  const { url } = await startConnect(db, { userId, provider });
  const outcome = await authorize(sim.url, url, { account });
  if (!outcome.location) throw new Error(`consent failed for ${provider}: ${outcome.html.slice(0, 300)}`);
  const { connection } = await completeConnect(db, { userId, query: Object.fromEntries(outcome.location.searchParams) });
  return connection;
}

/** Data requests the simulator has answered for `provider` (not OAuth, faults or admin calls). */
export function dataRequests(sim: RunningSimulator, provider: string, stats = sim.state.stats()): number {
  return Object.entries(stats[provider] ?? {})
    .filter(([k]) => !k.startsWith("token") && !k.startsWith("authorize") && !k.startsWith("fault:") && !k.startsWith("data:"))
    .reduce((a, [, n]) => a + n, 0);
}
