/**
 * `npm run dev:demo`: the provider simulator and the app together, with demo credentials for every
 * provider, so every connect flow works on a machine with no internet and no accounts.
 * SIMULATOR_PORT (default 4010) and PORT (default 3000) choose the ports.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { demoEnv } from "@sim/clients";
import { startSimulator } from "@sim/server";
import { setWebhookTarget } from "@sim/webhooks";

const root = path.resolve(import.meta.dirname, "..");
const simulatorPort = Number(process.env.SIMULATOR_PORT ?? 4010);
const appPort = Number(process.env.PORT ?? 3000);
const appUrl = process.env.APP_URL ?? `http://localhost:${appPort}`;

const simulator = await startSimulator({ port: simulatorPort, host: "127.0.0.1" });
console.log(`provider simulator: ${simulator.url}  (admin: ${simulator.url}/__admin/stats)`);
setWebhookTarget(simulator.state, appUrl); // provider notices go to <appUrl>/api/webhooks/<provider>

const app = spawn(path.join(root, "node_modules/.bin/next"), ["dev", "-p", String(appPort)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, ...demoEnv(simulator.url), APP_URL: appUrl, E2E_SIMULATOR_URL: simulator.url },
});

const stop = async () => {
  app.kill("SIGTERM");
  await simulator.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
app.on("exit", async (code) => {
  await simulator.close();
  process.exit(code ?? 0);
});
