import { readFileSync } from "node:fs";

/** The fixture loader of a provider folder: `fixturesOf(import.meta.url)("oura-sleep.json")` reads `./fixtures/oura-sleep.json`. */
export function fixturesOf(moduleUrl: string) {
  return <T = Record<string, unknown>>(name: string): T => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, moduleUrl), "utf8")) as T;
}
