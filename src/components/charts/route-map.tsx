import type { ActivityRoute } from "@/lib/dashboard/activities";

/**
 * A workout's GPS track as one SVG path, drawn on the server (no tiles, no map library: nothing
 * to fetch from a third party, and the CSP stays 'self'). Equirectangular, with longitude
 * shortened by cos(latitude) so a route keeps its shape away from the equator.
 */

const W = 320;
const H = 240;
const PAD = 12;
const KM_PER_DEG = 111.32;

const deg = (v: number, pos: string, neg: string) => `${Math.abs(v).toFixed(4)}° ${v >= 0 ? pos : neg}`;
const place = ([lat, lon]: [number, number]) => `${deg(lat, "N", "S")}, ${deg(lon, "E", "W")}`;

export function RouteMap({ route }: { route: ActivityRoute }) {
  const lats = route.points.map((p) => p[0]);
  const lons = route.points.map((p) => p[1]);
  const [south, north, west, east] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const k = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const [dx, dy] = [(east - west) * k, north - south];
  const scale = Math.min((W - 2 * PAD) / (dx || 1e-9), (H - 2 * PAD) / (dy || 1e-9));
  // Centred in the box whichever side is the long one.
  const [ox, oy] = [(W - dx * scale) / 2, (H - dy * scale) / 2];
  const xy = ([lat, lon]: [number, number]) => [ox + (lon - west) * k * scale, oy + (north - lat) * scale] as const;
  const d = route.points.map((p, i) => `${i ? "L" : "M"}${xy(p)[0].toFixed(1)},${xy(p)[1].toFixed(1)}`).join("");
  const [start, end] = [xy(route.points[0]), xy(route.points[route.points.length - 1])];
  const across = `${(dy * KM_PER_DEG).toFixed(2)} km north–south by ${(dx * KM_PER_DEG).toFixed(2)} km east–west`;
  const summary = `Route, ${route.recorded.toLocaleString("en-US")} GPS points: starts at ${place(route.points[0])}, ends at ${place(route.points[route.points.length - 1])}, spans ${across}`;
  return (
    <figure className="min-w-0" data-chart="route" data-points={route.points.length}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} className="h-auto w-full max-w-md rounded bg-slate-50">
        <path d={d} fill="none" strokeWidth={2.5} strokeLinejoin="round" strokeLinecap="round" className="stroke-brand" />
        <circle cx={start[0]} cy={start[1]} r={5} className="fill-white stroke-brand-dark" strokeWidth={2} />
        <rect x={end[0] - 4} y={end[1] - 4} width={8} height={8} className="fill-brand-dark" />
      </svg>
      <figcaption className="mt-1 text-xs text-slate-600">
        ○ start {place(route.points[0])} · ■ end {place(route.points[route.points.length - 1])} · {across}
      </figcaption>
    </figure>
  );
}
