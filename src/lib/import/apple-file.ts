import fs from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import type { RoutePoint } from "@/lib/ingest/hae";
import { parseBridgeDate } from "@/lib/normalize/dates";
import type { AppleExportParser } from "./apple-export";
import { readTrack, TrackXmlError } from "./track-xml";

/**
 * Feeds Apple's `export.zip` (or a bare `export.xml`) to the parser as a stream. The zip is read
 * with yauzl: it reads the central directory first, so a truncated download fails up front with a
 * precise message, and any entry (a workout's GPX route) can be opened while export.xml is still
 * being read — no temp files, no extraction, one chunk in memory at a time.
 */

export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportFileError";
  }
}

/** An error's message as the end of our sentence (libraries differ on the final period). */
const sentence = (err: unknown) => `${(err as Error).message.replace(/\.+$/, "")}.`;

export type ByteProgress = { bytes: number; total: number };

/** What a file's first bytes say it is. */
export async function sniff(file: string): Promise<"zip" | "xml" | "fit" | "unknown"> {
  const handle = await fs.promises.open(file, "r");
  try {
    const buf = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buf, 0, 64, 0);
    const head = buf.subarray(0, bytesRead);
    if (head.subarray(0, 4).equals(Buffer.from("PK\x03\x04", "latin1"))) return "zip";
    if (bytesRead >= 12 && head.subarray(8, 12).toString("latin1") === ".FIT") return "fit";
    const text = head.toString("utf8").replace(/^\uFEFF/, "").trimStart();
    if (text.startsWith("<")) return "xml";
    return "unknown";
  } finally {
    await handle.close();
  }
}

function entries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const all = new Map<string, yauzl.Entry>();
    zip.on("entry", (e: yauzl.Entry) => {
      all.set(e.fileName, e);
      zip.readEntry();
    });
    zip.on("end", () => resolve(all));
    zip.on("error", reject);
    zip.readEntry();
  });
}

export type AppleFileResult = { routesRead: number; routesMissing: string[]; exportEntry: string | null };

export async function readAppleExport(
  file: string,
  parser: AppleExportParser,
  afterChunk: (p: ByteProgress) => Promise<void>,
): Promise<AppleFileResult> {
  const kind = await sniff(file);
  let zip: yauzl.ZipFile | null = null;
  let stream: Readable;
  let total: number;
  let exportEntry: string | null = null;
  let routeEntries = new Map<string, yauzl.Entry>();
  const result: AppleFileResult = { routesRead: 0, routesMissing: [], exportEntry: null };
  if (kind === "zip") {
    try {
      zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false });
    } catch (err) {
      throw new ImportFileError(`The zip file cannot be read (truncated or damaged): ${sentence(err)}`);
    }
    const all = await entries(zip).catch((err: Error) => {
      throw new ImportFileError(`The zip file's directory is damaged: ${sentence(err)}`);
    });
    const xml = [...all.values()].find((e) => /(^|\/)export\.xml$/.test(e.fileName));
    if (!xml) {
      zip.close();
      throw new ImportFileError("The zip holds no export.xml: is it the export.zip from Apple Health (Profile → Export All Health Data)?");
    }
    exportEntry = xml.fileName;
    routeEntries = new Map([...all.values()].filter((e) => /workout-routes\/[^/]+\.gpx$/i.test(e.fileName)).map((e) => [path.posix.basename(e.fileName), e]));
    total = xml.uncompressedSize;
    stream = await zip.openReadStreamPromise(xml);
  } else if (kind === "xml") {
    total = (await fs.promises.stat(file)).size;
    stream = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
  } else throw new ImportFileError("This is neither a zip nor an XML file: send Apple Health's export.zip or its export.xml.");
  result.exportEntry = exportEntry;

  const readRoute = async (ref: string): Promise<RoutePoint[] | null> => {
    const entry = routeEntries.get(path.posix.basename(ref));
    if (!zip || !entry) {
      result.routesMissing.push(ref);
      return null;
    }
    const track = await readTrack(await zip.openReadStreamPromise(entry)).catch((err: unknown) => {
      if (err instanceof TrackXmlError) {
        result.routesMissing.push(`${ref} (line ${err.line}: ${err.message})`);
        return null;
      }
      throw err;
    });
    if (!track) return null;
    result.routesRead++;
    return track.points.flatMap((p) => {
      const d = parseBridgeDate(p.t);
      if (!d || p.lat === undefined || p.lon === undefined) return [];
      const out: RoutePoint = { t: d.at.toISOString(), lat: p.lat, lon: p.lon };
      if (p.alt_m !== undefined) out.alt_m = p.alt_m;
      if (p.speed_mps !== undefined) out.speed_mps = p.speed_mps;
      if (p.course_deg !== undefined) out.course_deg = p.course_deg;
      if (p.h_acc_m !== undefined) out.h_acc_m = p.h_acc_m;
      if (p.v_acc_m !== undefined) out.v_acc_m = p.v_acc_m;
      return [out];
    });
  };
  const drainWorkouts = async () => {
    for (const w of parser.takeWorkouts()) {
      let route: RoutePoint[] | null = null;
      for (const ref of w.routes) route = [...(route ?? []), ...((await readRoute(ref)) ?? [])];
      parser.emitWorkout(w, route);
    }
  };

  const decoder = new TextDecoder("utf-8");
  let bytes = 0;
  try {
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        bytes += chunk.byteLength;
        parser.write(decoder.decode(chunk, { stream: true }), chunk);
        await drainWorkouts();
        await afterChunk({ bytes, total });
      }
    } catch (err) {
      if (err instanceof ImportFileError || (err as Error).name === "ImportCancelled") throw err;
      throw new ImportFileError(`Reading ${exportEntry ?? "export.xml"} failed after ${bytes.toLocaleString("en-US")} bytes: ${sentence(err)}`);
    }
    parser.write(decoder.decode());
    parser.end();
    await drainWorkouts();
    if (!parser.sawRoot) throw new ImportFileError("The XML has no <HealthData> element: it is not an Apple Health export.xml.");
    await afterChunk({ bytes, total });
  } finally {
    stream.destroy();
    zip?.close();
  }
  return result;
}
