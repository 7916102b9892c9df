import fs from "node:fs";
import { once } from "node:events";

/**
 * Writes a synthetic Apple Health export.xml of about `targetBytes` for the memory test and
 * `npm run bench:import`: per minute a Watch heart-rate record, per 10 minutes an iPhone step
 * record, written as a stream (the generator itself stays flat too). Returns what it wrote, so
 * callers assert against counts they did not hard-code.
 */

const pad = (n: number) => String(n).padStart(2, "0");
/** `yyyy-MM-dd HH:mm:ss -0700` as Apple writes it, for a UTC instant shown at UTC-7. */
function appleDate(ms: number): string {
  const d = new Date(ms - 7 * 3600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} -0700`;
}

export type SyntheticExport = { bytes: number; heartRate: number; steps: number; days: number };

/** Stops at about `targetBytes` or at the minute `until` (for data that ends now), whichever comes first. */
export async function writeSyntheticExport(
  file: string,
  targetBytes: number,
  start = Date.UTC(2015, 0, 1),
  until = Infinity,
): Promise<SyntheticExport> {
  const out = fs.createWriteStream(file);
  const result: SyntheticExport = { bytes: 0, heartRate: 0, steps: 0, days: 0 };
  const write = async (s: string) => {
    result.bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, "drain");
  };
  await write(`<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [\n<!-- HealthKit Export Version: 14 -->\n]>\n<HealthData locale="en_US">\n <ExportDate value="${appleDate(Date.now())}"/>\n`);
  // Short source names, few device strings, no creationDate (optional in Apple's DTD) on heart
  // rate: so that 1 GB holds over 5 million records.
  const watch = `sourceName="Watch" sourceVersion="10"`;
  const phoneDevice = `device="&lt;&lt;HKDevice: 0x1&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, hardware:iPhone15,2, software:17.5&gt;"`;
  let minute = 0;
  const closing = " </HealthData>\n";
  while (result.bytes + closing.length < targetBytes && start + minute * 60_000 < until) {
    let chunk = "";
    for (let i = 0; i < 1440; i++, minute++) {
      const t = start + minute * 60_000;
      if (t >= until) break;
      const d = appleDate(t);
      chunk += ` <Record type="HKQuantityTypeIdentifierHeartRate" ${watch} unit="count/min" startDate="${d}" endDate="${d}" value="${60 + (minute % 60)}"/>\n`;
      result.heartRate++;
      if (minute % 10 === 0) {
        chunk += ` <Record type="HKQuantityTypeIdentifierStepCount" sourceName="iPhone" sourceVersion="17"${minute % 360 === 0 ? ` ${phoneDevice}` : ""} unit="count" creationDate="${d}" startDate="${d}" endDate="${appleDate(t + 600_000)}" value="${100 + (minute % 7)}"/>\n`;
        result.steps++;
      }
    }
    result.days++;
    await write(chunk);
  }
  await write(closing);
  out.end();
  await once(out, "finish");
  return result;
}
