import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatTime } from "./format";

/**
 * Every time on the dashboard is shown with its zone, in one format (issue 13): formatTime is the
 * one way, and no page or component formats an instant on its own.
 */
const ONE_FORMAT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} (UTC[+−]\d{2}:\d{2}|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*)$/;
/** Ways an instant gets formatted by hand: the browser's locale and zone, or a cut ISO string. */
const AD_HOC = [/toLocaleTimeString\(/, /toLocaleDateString\(/, /new Date\([^)]*\)\.toLocaleString\(/, /\.slice\(11, 16\)/, /\.slice\(0, 16\)/, /Intl\.DateTimeFormat\([^)]*\)\.format/, /\.getHours\(/];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe("one time format", () => {
  it("formatTime names the zone: the record's own offset, else the home zone", () => {
    const at = new Date("2024-05-14T21:30:00Z");
    expect(formatTime(at, 120, "UTC")).toBe("2024-05-14 23:30 UTC+02:00");
    expect(formatTime(at, -300, "UTC")).toBe("2024-05-14 16:30 UTC−05:00");
    expect(formatTime(at, null, "Europe/Berlin")).toBe("2024-05-14 23:30 Europe/Berlin");
    expect(formatTime(at, null, "America/Argentina/Buenos_Aires")).toBe("2024-05-14 18:30 America/Argentina/Buenos_Aires");
    for (const s of [formatTime(at, 120, "UTC"), formatTime(at, -300, "UTC"), formatTime(at, null, "Europe/Berlin"), formatTime(at, null, "UTC")]) expect(s).toMatch(ONE_FORMAT);
  });

  it("no page or component formats a time by hand", () => {
    const root = process.cwd();
    const offenders = [...sources(path.join(root, "src/app")), ...sources(path.join(root, "src/components"))].flatMap((file) =>
      fs
        .readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, i) => (AD_HOC.some((re) => re.test(line)) ? [`${path.relative(root, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(offenders).toEqual([]);
  });
});
