import { SaxesParser, type SaxesTagPlain } from "saxes";

/**
 * GPX 1.1 and Garmin TCX v2 tracks, read as a stream with saxes (the same parser as export.xml, so
 * one well-kept dependency covers every XML we take). Names are matched without their namespace
 * prefix: Garmin writes `gpxtpx:hr`, Strava `ns3:TPX`, Apple plain `<speed>`.
 */

export type TrackPoint = {
  t: string;
  lat?: number;
  lon?: number;
  alt_m?: number;
  speed_mps?: number;
  course_deg?: number;
  h_acc_m?: number;
  v_acc_m?: number;
  hr?: number;
  cadence?: number;
  power_w?: number;
  distance_m?: number;
};

export type TrackLap = { start: string; totalTimeS?: number; distanceM?: number; calories?: number; avgHr?: number; maxHr?: number };

export type Track = {
  format: "gpx" | "tcx";
  creator: string | null;
  name: string | null;
  /** GPX `<type>` or TCX `Activity Sport`. */
  sport: string | null;
  /** TCX `<Id>` (the activity's start), when given. */
  id: string | null;
  points: TrackPoint[];
  laps: TrackLap[];
};

export class TrackXmlError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = "TrackXmlError";
  }
}

const local = (name: string) => name.slice(name.indexOf(":") + 1);
const num = (s: string | undefined) => (s !== undefined && s.trim() !== "" && Number.isFinite(Number(s)) ? Number(s) : undefined);

/** Reads a GPX or TCX document from text chunks; throws TrackXmlError with the line and column of the first fault. */
export async function readTrack(chunks: AsyncIterable<string | Uint8Array>): Promise<Track> {
  const sax = new SaxesParser({ position: true });
  const track: Track = { format: "gpx", creator: null, name: null, sport: null, id: null, points: [], laps: [] };
  const path: string[] = [];
  let point: TrackPoint | null = null;
  let lap: TrackLap | null = null;
  let text = "";
  let failure: TrackXmlError | null = null;
  sax.on("error", (err) => {
    failure ??= new TrackXmlError(err.message.replace(/^[^:]*:\d+:\d+: /, ""), sax.line, sax.column);
  });
  sax.on("opentag", (tag) => {
    const t = tag as SaxesTagPlain;
    const name = local(t.name);
    const a = t.attributes as Record<string, string>;
    path.push(name);
    text = "";
    if (path.length === 1) {
      if (name === "TrainingCenterDatabase") track.format = "tcx";
      else if (name !== "gpx") failure ??= new TrackXmlError(`<${t.name}> is neither GPX nor TCX.`, sax.line, sax.column);
      track.creator = a.creator ?? null;
    }
    if (name === "trkpt" || name === "rtept") point = { t: "", lat: num(a.lat), lon: num(a.lon) };
    else if (name === "Trackpoint") point = { t: "" };
    else if (name === "Activity" && track.format === "tcx") track.sport = a.Sport ?? null;
    else if (name === "Lap" && a.StartTime) lap = { start: a.StartTime };
  });
  sax.on("text", (s) => (text += s));
  sax.on("cdata", (s) => (text += s));
  sax.on("closetag", (tag) => {
    const name = local(tag.name);
    const parent = path[path.length - 2];
    const v = text.trim();
    path.pop();
    if (point) {
      const val = num(v);
      switch (name) {
        case "time":
        case "Time":
          point.t = v;
          break;
        case "ele":
        case "AltitudeMeters":
          point.alt_m = val;
          break;
        case "LatitudeDegrees":
          point.lat = val;
          break;
        case "LongitudeDegrees":
          point.lon = val;
          break;
        case "speed":
        case "Speed":
          point.speed_mps = val;
          break;
        case "course":
          point.course_deg = val;
          break;
        case "hAcc":
          point.h_acc_m = val;
          break;
        case "vAcc":
          point.v_acc_m = val;
          break;
        case "hr":
          point.hr = val;
          break;
        case "Value":
          if (parent === "HeartRateBpm") point.hr = val;
          break;
        case "cad":
        case "Cadence":
        case "RunCadence":
          point.cadence = val;
          break;
        case "power":
        case "Watts":
          point.power_w = val;
          break;
        case "DistanceMeters":
          point.distance_m = val;
          break;
        case "trkpt":
        case "rtept":
        case "Trackpoint":
          if (point.t) track.points.push(point);
          point = null;
          break;
      }
    } else if (lap && parent === "Lap") {
      if (name === "TotalTimeSeconds") lap.totalTimeS = num(v);
      else if (name === "DistanceMeters") lap.distanceM = num(v);
      else if (name === "Calories") lap.calories = num(v);
    } else if (lap && name === "Value" && parent === "AverageHeartRateBpm") lap.avgHr = num(v);
    else if (lap && name === "Value" && parent === "MaximumHeartRateBpm") lap.maxHr = num(v);
    else if (name === "Lap" && lap) {
      track.laps.push(lap);
      lap = null;
    } else if (name === "name" && (parent === "trk" || parent === "metadata") && !track.name) track.name = v || null;
    else if (name === "type" && parent === "trk") track.sport = v || null;
    else if (name === "Id" && parent === "Activity") track.id = v || null;
    else if (name === "Name" && parent === "Creator") track.creator = v || null;
    text = "";
  });
  const decoder = new TextDecoder("utf-8", { fatal: false });
  for await (const chunk of chunks) {
    sax.write(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
    if (failure) throw failure;
  }
  sax.close();
  if (failure) throw failure;
  return track;
}
