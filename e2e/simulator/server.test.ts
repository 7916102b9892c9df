import { Agent, request } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "./server";

/**
 * The simulator's own HTTP behaviour: clients on a loaded machine reuse keep-alive sockets late,
 * so the server must not be the side that drops an idle one.
 */

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());

function get(agent: Agent, path: string): Promise<{ status: number; reused: boolean; keepAlive: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.url}${path}`, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, keepAlive: res.headers["keep-alive"] as string | undefined }));
    });
    req.on("error", reject);
    req.end();
  });
}

it("keeps an idle keep-alive socket open past node's 5 s default, so a late reuse is answered", async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await get(agent, "/__admin/stats");
    expect(first.status).toBe(200);
    // No idle deadline is announced: the client decides when to hang up.
    expect(first.keepAlive).toBeUndefined();
    await new Promise((r) => setTimeout(r, 5_500));
    const second = await get(agent, "/__admin/stats");
    expect(second).toMatchObject({ status: 200, reused: true });
  } finally {
    agent.destroy();
  }
});

it("closes promptly with idle client sockets still open", async () => {
  const other = await startSimulator({ port: 0 });
  const agent = new Agent({ keepAlive: true });
  const res = await fetch(`${other.url}/__admin/stats`);
  await res.text();
  await new Promise<void>((resolve, reject) => {
    const req = request(`${other.url}/__admin/stats`, { agent }, (r) => r.resume().on("end", resolve));
    req.on("error", reject).end();
  });
  const started = Date.now();
  await other.close();
  agent.destroy();
  expect(Date.now() - started).toBeLessThan(2_000);
});
