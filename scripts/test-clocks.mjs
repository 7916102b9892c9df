#!/usr/bin/env node
// `npm run test:clocks [-- <vitest files or filters>]`: the unit suite once per clock instant
// (HB_TEST_NOW, see src/test/clock.ts) at the calendar's awkward moments — a month end, a year end,
// US and EU spring-forward and fall-back — and a line per instant: passed or failed.
//   HB_CLOCKS=2027-01-31T23:30:00Z,2026-12-31T23:45:00Z   only these instants
// Ends with "N passed, N failed" counted in instants.
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const vitest = path.join(root, "node_modules", ".bin", "vitest");

const INSTANTS = [
  ["month end", "2027-01-31T23:30:00Z"],
  ["year end", "2026-12-31T23:45:00Z"],
  ["US spring forward", "2027-03-14T09:30:00Z"],
  ["EU spring forward", "2027-03-28T00:30:00Z"],
  ["US fall back", "2027-11-07T08:30:00Z"],
  ["EU fall back", "2027-10-31T00:30:00Z"],
];

const chosen = process.env.HB_CLOCKS
  ? process.env.HB_CLOCKS.split(",").map((at) => [INSTANTS.find(([, i]) => i === at.trim())?.[0] ?? "chosen", at.trim()])
  : INSTANTS;
const args = process.argv.slice(2);
const results = [];
for (const [label, at] of chosen) {
  if (Number.isNaN(Date.parse(at))) {
    console.error(`not an ISO instant: ${at}`);
    process.exit(2);
  }
  console.log(`\n── ${label}: HB_TEST_NOW=${at} ──`);
  const status = spawnSync(vitest, ["run", ...args], { cwd: root, stdio: "inherit", env: { ...process.env, HB_TEST_NOW: at } }).status ?? 1;
  results.push({ label, at, ok: status === 0 });
}
console.log("");
for (const r of results) console.log(`${r.ok ? "passed" : "FAILED"}  ${r.at}  ${r.label}`);
const passed = results.filter((r) => r.ok).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
