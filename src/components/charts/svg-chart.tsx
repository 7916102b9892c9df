/**
 * Charts rendered on the server as plain SVG. No client JavaScript, no eval, no injected <style>:
 * they work under the app's nonce CSP and on a phone before anything hydrates, and the browser
 * receives at most a few hundred points (long ranges arrive bucketed, see lib/dashboard/metric.ts).
 * Every chart names itself (role="img" + aria-label); its page carries the same data as a table.
 */

// A narrow viewBox so axis text stays legible when a phone scales the chart down.
const W = 480;
const H = 200;
const PAD = { left: 52, right: 10, top: 10, bottom: 26 };

/** `date` is a day; `t`/`w` (epoch ms, width in ms) place a sub-day bucket such as 15 minutes of heart rate. */
export type Point = { date: string; value: number; min?: number; max?: number; t?: number; w?: number };

const DAY_MS = 86_400_000;
const startOf = (p: Point) => p.t ?? Date.parse(`${p.date}T00:00:00Z`);
const widthOf = (p: Point) => p.w ?? DAY_MS;

function scale(domain: [number, number], range: [number, number]) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  return (v: number) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0));
}

function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (hi === lo) return [lo];
  const step0 = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toFixed(10)));
  return ticks;
}

const dayNumber = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;

type ChartProps = {
  points: Point[];
  from: string;
  to: string;
  label: string;
  kind: "bar" | "line";
  format: (v: number) => string;
  /** Start the y axis at zero (totals) rather than at the data's minimum (weight, HR). */
  zero?: boolean;
};

export function TimeChart({ points, from, to, label, kind, format, zero }: ChartProps) {
  if (!points.length) return <p className="text-sm text-slate-600">No data in this range.</p>;
  const values = points.flatMap((p) => [p.value, p.min ?? p.value, p.max ?? p.value]);
  let lo = zero ? 0 : Math.min(...values);
  let hi = Math.max(...values);
  if (!zero) {
    const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.05 || 1;
    lo -= pad;
    hi += pad;
  }
  const ticks = niceTicks(lo, hi);
  lo = Math.min(lo, ticks[0]);
  hi = Math.max(hi, ticks[ticks.length - 1]);
  const x0 = dayNumber(from) * DAY_MS;
  const x1 = (dayNumber(to) + 1) * DAY_MS;
  const x = scale([x0, x1], [PAD.left, W - PAD.right]);
  const y = scale([lo, hi], [H - PAD.bottom, PAD.top]);
  const slotOf = (p: Point) => ((W - PAD.left - PAD.right) * widthOf(p)) / Math.max(1, x1 - x0);
  const midOf = (p: Point) => x(startOf(p) + widthOf(p) / 2);
  const line = points.map((p, i) => `${i ? "L" : "M"}${midOf(p).toFixed(1)},${y(p.value).toFixed(1)}`).join("");
  const band = points.some((p) => p.min !== undefined && p.max !== undefined && p.max !== p.min);
  const first = points[0];
  const last = points[points.length - 1];

  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${label}, ${from} to ${to}: ${points.length} points, first ${format(first.value)} on ${first.date}, last ${format(last.value)} on ${last.date}`} className="h-auto w-full max-w-3xl">
      <Axes ticks={ticks} y={y} format={format} from={from} to={to} />
      {kind === "bar"
        ? points.map((p) => (
            <rect key={startOf(p)} x={x(startOf(p)) + slotOf(p) * 0.1} width={Math.max(1, slotOf(p) * 0.8)} y={y(Math.max(p.value, 0))} height={Math.max(0, y(lo) - y(Math.max(p.value, 0)))} className="fill-brand">
              <title>{`${p.date}: ${format(p.value)}`}</title>
            </rect>
          ))
        : null}
      {kind === "line" ? (
        <>
          {band ? (
            <path
              d={`${points.map((p, i) => `${i ? "L" : "M"}${midOf(p).toFixed(1)},${y(p.max ?? p.value).toFixed(1)}`).join("")}${[...points].reverse().map((p) => `L${midOf(p).toFixed(1)},${y(p.min ?? p.value).toFixed(1)}`).join("")}Z`}
              className="fill-brand/15"
            />
          ) : null}
          <path d={line} fill="none" strokeWidth={2} className="stroke-brand" />
          {points.length <= 120
            ? points.map((p) => (
                <circle key={startOf(p)} cx={midOf(p)} cy={y(p.value)} r={3} className="fill-brand">
                  <title>{`${p.date}: ${format(p.value)}`}</title>
                </circle>
              ))
            : null}
        </>
      ) : null}
    </svg>
  );
}

export type StackedBar = { date: string; parts: Array<{ key: string; value: number }> };

const STACK_CLASSES = ["fill-indigo-700", "fill-sky-400", "fill-violet-400", "fill-amber-300", "fill-slate-300"];

/** Bars of stacked parts per day (sleep stages), with a legend. */
export function StackedChart({ bars, keys, labels, from, to, label, format }: { bars: StackedBar[]; keys: string[]; labels: Record<string, string>; from: string; to: string; label: string; format: (v: number) => string }) {
  if (!bars.length) return <p className="text-sm text-slate-600">No data in this range.</p>;
  const hi = Math.max(...bars.map((b) => b.parts.reduce((a, p) => a + p.value, 0)));
  const ticks = niceTicks(0, hi);
  const top = Math.max(hi, ticks[ticks.length - 1]);
  const x0 = dayNumber(from);
  const x1 = dayNumber(to) + 1;
  const x = scale([x0, x1], [PAD.left, W - PAD.right]);
  const y = scale([0, top], [H - PAD.bottom, PAD.top]);
  const slot = (W - PAD.left - PAD.right) / Math.max(1, x1 - x0);
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${label}, ${from} to ${to}: ${bars.length} nights`} className="h-auto w-full max-w-3xl">
        <Axes ticks={ticks} y={y} format={format} from={from} to={to} />
        {bars.map((b) => {
          let acc = 0;
          return (
            <g key={b.date}>
              <title>{`${b.date}: ${b.parts.map((p) => `${labels[p.key]} ${format(p.value)}`).join(", ")}`}</title>
              {b.parts.map((p) => {
                const y0 = y(acc);
                acc += p.value;
                return <rect key={p.key} x={x(dayNumber(b.date)) + slot * 0.1} width={Math.max(1, slot * 0.8)} y={y(acc)} height={Math.max(0, y0 - y(acc))} className={STACK_CLASSES[keys.indexOf(p.key) % STACK_CLASSES.length]} />;
              })}
            </g>
          );
        })}
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-3 text-xs text-slate-600">
        {keys.map((k, i) => (
          <span key={k} className="inline-flex items-center gap-1">
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" className={STACK_CLASSES[i % STACK_CLASSES.length]} />
            </svg>
            {labels[k]}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** A 14-day trend line without axes for an overview tile; the tile's text carries the numbers. */
export function Sparkline({ points, from, to, label }: { points: Array<{ date: string; value: number }>; from: string; to: string; label: string }) {
  if (points.length < 2) return null;
  const w = 120;
  const h = 32;
  const vs = points.map((p) => p.value);
  const x = scale([dayNumber(from), dayNumber(to)], [2, w - 2]);
  const y = scale([Math.min(...vs), Math.max(...vs)], [h - 3, 3]);
  const d = points.map((p, i) => `${i ? "L" : "M"}${x(dayNumber(p.date)).toFixed(1)},${y(p.value).toFixed(1)}`).join("");
  return (
    <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={`${label}, ${from} to ${to}: ${points.length} days`} className="mt-2">
      <path d={d} fill="none" strokeWidth={1.5} className="stroke-brand" />
    </svg>
  );
}

/** Horizontal grid lines with their labels, and the first and last date under the plot. */
function Axes({ ticks, y, format, from, to }: { ticks: number[]; y: (v: number) => number; format: (v: number) => string; from: string; to: string }) {
  return (
    <>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className="stroke-slate-200" />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="fill-slate-500 text-[12px]">
              {format(t)}
            </text>
          </g>
        ))}
        <text x={PAD.left} y={H - 8} className="fill-slate-500 text-[12px]">
          {from}
        </text>
        <text x={W - PAD.right} y={H - 8} textAnchor="end" className="fill-slate-500 text-[12px]">
          {to}
        </text>
    </>
  );
}
