/**
 * Vitest setup file: with HB_TEST_NOW=<ISO instant> the whole suite runs with the clock set there
 * (scripts/test-clocks.mjs runs it at month ends, year ends and DST changes).
 *
 * Only Date moves, by a fixed offset, so it ticks exactly with the real clock: timers, sockets and
 * the database behave as usual. Not vi.useFakeTimers({ shouldAdvanceTime }): its Date advances in
 * 20 ms steps driven by a real interval, which lags on a loaded machine, so code that sleeps until a
 * Date deadline (Retry-After, run_after) wakes "early" and reschedules again.
 */
const at = process.env.HB_TEST_NOW;
const SHIFTED = Symbol.for("healthbridge.test.shiftedDate");
const g = globalThis as typeof globalThis & { [SHIFTED]?: true };

if (at && !g[SHIFTED]) {
  const RealDate = Date;
  const target = RealDate.parse(at);
  if (Number.isNaN(target)) throw new Error(`HB_TEST_NOW is not an ISO instant: ${at}`);
  const offset = target - RealDate.now();
  const now = () => RealDate.now() + offset;
  globalThis.Date = new Proxy(RealDate, {
    // `new Date()` is now; `new Date(x)` is x, untouched.
    construct: (real, args: unknown[], newTarget) => Reflect.construct(real, args.length ? args : [now()], newTarget) as object,
    // `Date()` called as a function gives the current time as a string.
    apply: () => new RealDate(now()).toString(),
    get: (real, prop, receiver) => (prop === "now" ? now : Reflect.get(real, prop, receiver)),
  });
  g[SHIFTED] = true;
}
