import { after } from "next/server";

/**
 * Runs `task` once the response has been sent: Next's `after()` inside a request, a timer outside
 * one (route handlers called directly by tests or scripts). Failures are logged, never thrown.
 */
export function afterResponse(label: string, task: () => Promise<unknown>): void {
  const run = () =>
    task().catch((error: unknown) => console.error(`[${label}]`, error instanceof Error ? error.message : error));
  try {
    after(run);
  } catch {
    setTimeout(run, 0);
  }
}
