/**
 * Synthetic Health Auto Export payloads for the ingest benchmark and memory check: minute-resolution
 * heart rate plus one point per day of eight daily metrics, deterministic, generated as a stream so
 * the generator itself never holds the body.
 */
import { Readable } from "node:stream";

export type BenchPoint = { metric: string; units: string; at: Date; value: number; type: string; unit: string };

const DAILY: Array<{ metric: string; units: string; type: string; unit: string; value: (day: number) => number }> = [
  { metric: "step_count", units: "count", type: "steps", unit: "count", value: (d) => 6000 + ((d * 7919) % 6000) },
  { metric: "active_energy", units: "kcal", type: "active_energy", unit: "kcal", value: (d) => 300 + ((d * 31) % 400) },
  { metric: "basal_energy_burned", units: "kcal", type: "basal_energy", unit: "kcal", value: (d) => 1600 + (d % 50) },
  { metric: "walking_running_distance", units: "km", type: "distance", unit: "m", value: (d) => 4 + (d % 9) },
  { metric: "resting_heart_rate", units: "count/min", type: "resting_heart_rate", unit: "bpm", value: (d) => 52 + (d % 8) },
  { metric: "heart_rate_variability", units: "ms", type: "hrv_sdnn", unit: "ms", value: (d) => 35 + (d % 25) },
  { metric: "weight_body_mass", units: "kg", type: "weight", unit: "kg", value: (d) => 75 + (d % 10) / 10 },
  { metric: "blood_oxygen_saturation", units: "%", type: "spo2", unit: "%", value: (d) => 95 + (d % 4) },
];

const pad = (n: number) => String(n).padStart(2, "0");
const OFFSET = "+0100";
const OFFSET_MS = 60 * 60_000;

/** `2024-01-01 00:00:00 +0100` for an instant. */
export function haeDate(at: Date): string {
  const l = new Date(at.getTime() + OFFSET_MS);
  return `${l.getUTCFullYear()}-${pad(l.getUTCMonth() + 1)}-${pad(l.getUTCDate())} ${pad(l.getUTCHours())}:${pad(l.getUTCMinutes())}:00 ${OFFSET}`;
}

const START = Date.UTC(2023, 0, 1) - OFFSET_MS; // local midnight

export function heartRate(i: number): number {
  return 55 + ((i * 37) % 60);
}

/** Every point, metric by metric (heart rate first), as the payload lists them. */
export function* benchPoints(days: number): Generator<BenchPoint> {
  for (let i = 0; i < days * 1440; i++)
    yield { metric: "heart_rate", units: "count/min", at: new Date(START + i * 60_000), value: heartRate(i), type: "heart_rate", unit: "bpm" };
  for (const m of DAILY)
    for (let d = 0; d < days; d++) {
      const value = m.value(d);
      yield {
        metric: m.metric,
        units: m.units,
        at: new Date(START + d * 86_400_000),
        value: m.metric === "walking_running_distance" ? value * 1000 : value,
        type: m.type,
        unit: m.unit,
      };
    }
}

export const pointCount = (days: number) => days * 1440 + days * DAILY.length;

/** The HAE v2 JSON body, in ~64 KB chunks. */
export async function* haePayload(days: number): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  let buf = '{"data":{"metrics":[';
  let current: string | null = null;
  let first = true;
  for (const p of benchPoints(days)) {
    if (p.metric !== current) {
      buf += `${current === null ? "" : "]},"}{"name":"${p.metric}","units":"${p.units}","data":[`;
      current = p.metric;
      first = true;
    }
    const sourceValue = p.metric === "walking_running_distance" ? p.value / 1000 : p.value;
    buf += p.metric === "heart_rate"
      ? `${first ? "" : ","}{"date":"${haeDate(p.at)}","Min":${p.value},"Avg":${p.value},"Max":${p.value},"source":"Apple Watch"}`
      : `${first ? "" : ","}{"date":"${haeDate(p.at)}","qty":${sourceValue},"source":"Apple Watch|iPhone"}`;
    first = false;
    if (buf.length >= 65536) {
      yield enc.encode(buf);
      buf = "";
    }
  }
  yield enc.encode(`${buf}]}]}}`);
}

/** Days of minute heart rate needed for a body of about `bytes`. */
export function daysForBytes(bytes: number): number {
  const perDay = 1440 * `,{"date":"2023-01-01 00:00:00 +0100","Min":60,"Avg":60,"Max":60,"source":"Apple Watch"}`.length;
  return Math.max(1, Math.ceil(bytes / perDay));
}

export type IngestCounts = Record<string, { inserted: number; updated: number; unchanged: number }>;

/**
 * POSTs `haePayload(days)` to the ingest endpoint with `key` through `send` — `fetch` for a running
 * app (bench:ingest), `handleIngest` in-process (bench:import) — and times it.
 */
export async function timedIngest(send: (request: Request) => Promise<Response>, baseUrl: string, key: string, days: number) {
  const t0 = performance.now();
  const request = new Request(new URL("/api/webhooks/ingest", baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: Readable.toWeb(Readable.from(haePayload(days))) as ReadableStream<Uint8Array>,
    duplex: "half",
  } as RequestInit);
  const res = await send(request);
  const json = (await res.json()) as { counts?: IngestCounts; error?: string };
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${json.error}`);
  return { ms, counts: json.counts!, rowsPerSecond: Math.round(pointCount(days) / (ms / 1000)) };
}
