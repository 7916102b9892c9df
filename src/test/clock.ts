import { vi } from "vitest";

/**
 * Vitest setup file: with HB_TEST_NOW=<ISO instant> the whole suite runs with the clock set there
 * (scripts/test-clocks.mjs runs it at month ends, year ends and DST changes). Only Date is faked
 * and it keeps advancing, so timers, sockets and the database behave as usual.
 */
const at = process.env.HB_TEST_NOW;
if (at) {
  const now = new Date(at);
  if (Number.isNaN(now.getTime())) throw new Error(`HB_TEST_NOW is not an ISO instant: ${at}`);
  vi.useFakeTimers({ now, shouldAdvanceTime: true, toFake: ["Date"] });
}
