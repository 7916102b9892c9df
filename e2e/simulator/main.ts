import { demoEnv } from "./clients";
import { startSimulator } from "./server";

/**
 * `npm run simulator`: serves every simulated provider on SIMULATOR_PORT (default 4010).
 * SIMULATOR_HOST (default 127.0.0.1); SIMULATOR_REDIRECT_URIS: extra accepted redirect URIs,
 * comma-separated; SIMULATOR_DEFAULT_REDIRECT_URI: used when a provider allows omitting it.
 */

const port = Number(process.env.SIMULATOR_PORT ?? 4010);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`SIMULATOR_PORT must be a port number (got ${JSON.stringify(process.env.SIMULATOR_PORT)})`);
  process.exit(2);
}

const extraRedirects = (process.env.SIMULATOR_REDIRECT_URIS ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);

const sim = await startSimulator({
  port,
  host: process.env.SIMULATOR_HOST || "127.0.0.1",
  redirectUris: extraRedirects,
  defaultRedirectUri: process.env.SIMULATOR_DEFAULT_REDIRECT_URI || undefined,
});

console.log(`Provider simulator listening on ${sim.url}`);
console.log(`Admin API: ${sim.url}/__admin  (see e2e/simulator/README.md)`);
console.log("App environment for the demo clients:");
for (const [k, v] of Object.entries(demoEnv(sim.url))) console.log(`  ${k}=${v}`);

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
