import fs from "node:fs";
import { Decoder, Stream } from "@garmin/fitsdk";
import { Collector, stableId } from "@/lib/ingest/collector";
import type { HeartRateSample, RoutePoint } from "@/lib/ingest/hae";
import { fitSportType, trackSportType, type ActivityType } from "@/lib/normalize/activity-types";
import { localDateAt } from "@/lib/normalize/dates";
import type { ActivityRow } from "@/lib/normalize/types";
import type { ProviderId } from "@/lib/providers/ids";
import { ImportFileError } from "./apple-file";
import { readTrack, TrackXmlError, type Track } from "./track-xml";

/**
 * FIT (decoded by Garmin's own @garmin/fitsdk, which checks the header, size and CRC), GPX and TCX
 * (track-xml.ts) activity files → one activity row with its samples in the same `samples` shape the
 * Health Auto Export workouts use (heart_rate, route, series). Activity files are bounded (a
 * 24-hour ultra with 1 s records is ~15 MB), so a FIT file is decoded from one buffer; the size cap
 * below keeps that true.
 */

export const MAX_ACTIVITY_FILE_BYTES = 64 * 1024 * 1024;

/** Which of our providers a file's device or creator belongs to; files of other makers are filed under the format's owner. */
const MAKERS: Array<[RegExp, ProviderId]> = [
  [/garmin/i, "garmin"],
  [/strava/i, "strava"],
  [/polar/i, "polar"],
  [/coros/i, "coros"],
  [/apple/i, "apple_health"],
];

export function providerOf(maker: string | null | undefined, fallback: ProviderId): { provider: ProviderId; known: boolean } {
  for (const [re, provider] of MAKERS) if (maker && re.test(maker)) return { provider, known: true };
  return { provider: fallback, known: false };
}

export type ActivityFileResult = { row: ActivityRow; format: "fit" | "gpx" | "tcx"; points: number; warnings: string[] };

type Sample = { t: Date; lat?: number; lon?: number; alt?: number; hr?: number; cadence?: number; power?: number; speed?: number };

function samplesOf(points: Sample[]): Record<string, unknown> | null {
  const hr: HeartRateSample[] = [];
  const route: RoutePoint[] = [];
  const series: Record<string, { unit: string; points: Array<{ t: string; v: number }> }> = {};
  const add = (key: string, unit: string, t: string, v: number | undefined) => {
    if (v === undefined || !Number.isFinite(v)) return;
    (series[key] ??= { unit, points: [] }).points.push({ t, v });
  };
  for (const p of points) {
    const t = p.t.toISOString();
    if (p.hr !== undefined) hr.push({ t, bpm: p.hr });
    if (p.lat !== undefined && p.lon !== undefined) {
      const r: RoutePoint = { t, lat: p.lat, lon: p.lon };
      if (p.alt !== undefined) r.alt_m = p.alt;
      if (p.speed !== undefined) r.speed_mps = p.speed;
      route.push(r);
    }
    add("cadence", "/min", t, p.cadence);
    add("power", "W", t, p.power);
    add("speed", "m/s", t, p.speed);
  }
  const out: Record<string, unknown> = {};
  if (hr.length) out.heart_rate = hr;
  if (route.length) out.route = route;
  if (Object.keys(series).length) out.series = series;
  return Object.keys(out).length ? out : null;
}

function activityRow(a: {
  provider: ProviderId;
  type: ActivityType;
  name: string | null;
  start: Date;
  end: Date | null;
  offsetMinutes: number;
  durationS: number | null;
  movingS?: number | null;
  distanceM?: number | null;
  energyKcal?: number | null;
  avgHr?: number | null;
  maxHr?: number | null;
  elevationGainM?: number | null;
  source: string | null;
  samples: Record<string, unknown> | null;
  raw: Record<string, unknown>;
}): ActivityRow {
  return {
    provider: a.provider,
    // Start and provider only: the same file imported again is the same row.
    externalId: stableId("file", a.provider, a.start.toISOString()),
    type: a.type,
    name: a.name,
    startAt: a.start,
    endAt: a.end,
    localDate: localDateAt(a.start, a.offsetMinutes),
    utcOffsetMinutes: a.offsetMinutes,
    durationS: a.durationS,
    movingS: a.movingS ?? null,
    distanceM: a.distanceM ?? null,
    energyKcal: a.energyKcal ?? null,
    avgHr: a.avgHr ?? null,
    maxHr: a.maxHr ?? null,
    elevationGainM: a.elevationGainM ?? null,
    steps: null,
    source: a.source,
    samples: a.samples,
    deletedAt: null,
    raw: a.raw,
  };
}

const FIT_EPOCH_S = 631065600;
const SEMICIRCLE_DEG = 180 / 2 ** 31;
const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Decodes a FIT activity; a bad header, size or CRC is refused before anything is read. */
export function fitActivity(bytes: Uint8Array): ActivityFileResult {
  const stream = Stream.fromByteArray(Array.from(bytes));
  if (!Decoder.isFIT(stream)) throw new ImportFileError("Not a FIT file: its header does not say .FIT.");
  const decoder = new Decoder(stream);
  if (!decoder.checkIntegrity()) {
    const { errors } = decoder.read();
    throw new ImportFileError(`The FIT file is damaged (size or CRC check failed)${errors.length ? `: ${errors[0].message}` : ""}.`);
  }
  const { messages, errors } = decoder.read({ mergeHeartRates: true });
  if (errors.length) throw new ImportFileError(`The FIT file could not be decoded: ${errors[0].message}.`);
  const fileId = messages.fileIdMesgs?.[0] as Record<string, unknown> | undefined;
  if (fileId && fileId.type !== "activity") throw new ImportFileError(`This FIT file holds a ${String(fileId.type)}, not an activity.`);
  const session = messages.sessionMesgs?.[0] as Record<string, unknown> | undefined;
  const records = (messages.recordMesgs ?? []) as Array<Record<string, unknown>>;
  const first = records.find((r) => r.timestamp instanceof Date)?.timestamp as Date | undefined;
  const start = (session?.startTime instanceof Date ? session.startTime : first) ?? null;
  if (!start) throw new ImportFileError("The FIT file has no session and no timed records: nothing to import.");
  const warnings: string[] = [];
  if ((messages.sessionMesgs?.length ?? 0) > 1) warnings.push("Only the first session of a multisport FIT file was imported.");
  // activity.local_timestamp − timestamp is the wall clock's offset when the activity was saved.
  const act = messages.activityMesgs?.[0] as Record<string, unknown> | undefined;
  let offsetMinutes = 0;
  if (act?.timestamp instanceof Date && typeof act.localTimestamp === "number")
    offsetMinutes = Math.round((act.localTimestamp + FIT_EPOCH_S - act.timestamp.getTime() / 1000) / 60 / 15) * 15;
  const elapsed = n(session?.totalElapsedTime);
  const maker = typeof fileId?.manufacturer === "string" ? fileId.manufacturer : null;
  const { provider, known } = providerOf(maker, "garmin");
  if (!known) warnings.push(`Device maker ${JSON.stringify(maker ?? "unknown")} has no provider of its own here; the activity is filed under Garmin (FIT's owner).`);
  const samples: Sample[] = records.flatMap((r) => {
    if (!(r.timestamp instanceof Date)) return [];
    const lat = n(r.positionLat);
    const lon = n(r.positionLong);
    return [
      {
        t: r.timestamp,
        lat: lat === undefined ? undefined : lat * SEMICIRCLE_DEG,
        lon: lon === undefined ? undefined : lon * SEMICIRCLE_DEG,
        alt: n(r.enhancedAltitude) ?? n(r.altitude),
        hr: n(r.heartRate),
        cadence: n(r.cadence),
        power: n(r.power),
        speed: n(r.enhancedSpeed) ?? n(r.speed),
      },
    ];
  });
  const sport = session?.sport;
  return {
    format: "fit",
    points: samples.length,
    warnings,
    row: activityRow({
      provider,
      type: fitSportType(sport, session?.subSport),
      name: typeof sport === "string" ? sport : null,
      start,
      end: elapsed !== undefined ? new Date(start.getTime() + elapsed * 1000) : (samples.at(-1)?.t ?? null),
      offsetMinutes,
      durationS: elapsed ?? null,
      movingS: n(session?.totalTimerTime) ?? null,
      distanceM: n(session?.totalDistance) ?? null,
      energyKcal: n(session?.totalCalories) ?? null,
      avgHr: n(session?.avgHeartRate) ?? null,
      maxHr: n(session?.maxHeartRate) ?? null,
      elevationGainM: n(session?.totalAscent) ?? null,
      source: typeof fileId?.garminProduct === "string" ? fileId.garminProduct : maker,
      samples: samplesOf(samples),
      raw: { format: "fit", manufacturer: maker, product: fileId?.product ?? null, sport: sport ?? null, subSport: session?.subSport ?? null },
    }),
  };
}

/** Great-circle distance in metres (GPX has no distance of its own). */
function haversine(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

export function trackActivity(track: Track): ActivityFileResult {
  const samples: Sample[] = track.points.flatMap((p) => {
    const t = new Date(p.t);
    return Number.isNaN(t.getTime())
      ? []
      : [{ t, lat: p.lat, lon: p.lon, alt: p.alt_m, hr: p.hr, cadence: p.cadence, power: p.power_w, speed: p.speed_mps }];
  });
  samples.sort((a, b) => a.t.getTime() - b.t.getTime());
  const lapStart = track.laps[0] ? new Date(track.laps[0].start) : null;
  const start = lapStart && !Number.isNaN(lapStart.getTime()) ? lapStart : samples[0]?.t;
  if (!start) throw new ImportFileError(`The ${track.format.toUpperCase()} file has no timed track points: nothing to import.`);
  const end = samples.at(-1)?.t ?? null;
  const warnings: string[] = [];
  const { provider, known } = providerOf(track.creator, "garmin");
  if (!known)
    warnings.push(`Creator ${JSON.stringify(track.creator ?? "unknown")} has no provider of its own here; the activity is filed under Garmin.`);
  const sum = (pick: (l: Track["laps"][number]) => number | undefined) =>
    track.laps.length && track.laps.every((l) => pick(l) !== undefined) ? track.laps.reduce((a, l) => a + pick(l)!, 0) : null;
  let distance = sum((l) => l.distanceM);
  if (distance === null) {
    const pts = samples.filter((s): s is Sample & { lat: number; lon: number } => s.lat !== undefined && s.lon !== undefined);
    distance = pts.length > 1 ? pts.slice(1).reduce((a, p, i) => a + haversine(pts[i], p), 0) : null;
  }
  let gain = 0;
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1].alt, samples[i].alt];
    if (a !== undefined && b !== undefined && b > a) gain += b - a;
  }
  const hrs = samples.map((s) => s.hr).filter((v): v is number => v !== undefined);
  const duration = sum((l) => l.totalTimeS) ?? (end ? (end.getTime() - start.getTime()) / 1000 : null);
  return {
    format: track.format,
    points: samples.length,
    warnings,
    row: activityRow({
      provider,
      type: trackSportType(track.sport ?? track.name),
      name: track.name ?? track.sport,
      start,
      end,
      // GPX and TCX times are UTC and carry no wall-clock offset.
      offsetMinutes: 0,
      durationS: duration,
      distanceM: distance,
      energyKcal: sum((l) => l.calories),
      avgHr: hrs.length ? hrs.reduce((a, b) => a + b, 0) / hrs.length : null,
      maxHr: hrs.length ? Math.max(...hrs) : null,
      elevationGainM: samples.some((s) => s.alt !== undefined) ? gain : null,
      source: track.creator,
      samples: samplesOf(samples),
      raw: { format: track.format, creator: track.creator, sport: track.sport, laps: track.laps.length },
    }),
  };
}

/** Reads one activity file from disk into `out`; the format comes from the bytes, not the name. */
export async function readActivityFile(file: string, kind: "fit" | "xml", out: Collector): Promise<ActivityFileResult> {
  const size = (await fs.promises.stat(file)).size;
  if (size > MAX_ACTIVITY_FILE_BYTES) throw new ImportFileError(`An activity file larger than ${MAX_ACTIVITY_FILE_BYTES} bytes is not one activity.`);
  let result: ActivityFileResult;
  if (kind === "fit") result = fitActivity(await fs.promises.readFile(file));
  else {
    try {
      result = trackActivity(await readTrack(fs.createReadStream(file)));
    } catch (err) {
      if (err instanceof TrackXmlError) throw new ImportFileError(`The XML is broken at line ${err.line}, column ${err.column}: ${err.message}.`);
      throw err;
    }
  }
  out.activity(result.row);
  for (const w of result.warnings) out.warn(w);
  return result;
}
