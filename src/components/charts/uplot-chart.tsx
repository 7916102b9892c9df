"use client";

import "uplot/dist/uPlot.min.css";
import { useEffect, useRef } from "react";
import type uPlot from "uplot";
import { formatNumber } from "@/lib/dashboard/format";

/**
 * The one chart library: uPlot draws on a canvas, is ~50 KB, and stays fast with 100k+ points,
 * so it never limits how much history a chart shows (the server's bucketing does, to keep pages
 * small). It adds no script or <style> element, only style attributes, which the nonce CSP allows
 * (style-src 'unsafe-inline'). The canvas is hidden from assistive technology: the server-rendered
 * figure around it names the chart and carries its numbers as a table (see time-chart.tsx).
 */

export type ChartSpec = {
  kind: "line" | "bar" | "stacked" | "spark";
  /** Seconds (uPlot's time unit): the middle of each day, week or bucket. */
  x: number[];
  /** One series, or for "stacked" the parts from the bottom up. */
  series: Array<{ label: string; color: string; values: Array<number | null> }>;
  /** Lowest and highest per x, drawn as a band around the first series. */
  band?: { lo: Array<number | null>; hi: Array<number | null> };
  /** The whole range in seconds, so a range with data in one corner still shows as the range. */
  xRange: [number, number];
  unit: string;
  digits: number;
  /** Start the y axis at zero (totals, hours asleep) rather than near the data's minimum. */
  zero: boolean;
  /** The zone the time axis reads in: "UTC" for day-keyed data, whose x is already that day. */
  zone: string;
  /** Join readings across empty days (weight), or break the line where buckets are missing (heart rate). */
  spanGaps: boolean;
  height: number;
};

export const BRAND = "oklch(0.55 0.15 160)"; // --color-brand in globals.css
const BAND_FILL = "oklch(0.55 0.15 160 / 0.18)";
const BAND_EDGE = "oklch(0.55 0.15 160 / 0.45)";
const AXIS: uPlot.Axis = {
  stroke: "#64748b",
  font: "12px system-ui, sans-serif",
  grid: { stroke: "#e2e8f0", width: 1 },
  ticks: { stroke: "#e2e8f0", width: 1, size: 4 },
};

function build(UPlot: typeof uPlot, spec: ChartSpec, width: number, el: HTMLElement): { opts: uPlot.Options; data: uPlot.AlignedData } {
  const value = (v: number | null | undefined) => (v == null ? "—" : formatNumber(v, spec.unit, spec.digits));
  // As many decimals as the tick step needs (72.2, 72.4 kg; 0, 5,000 steps).
  const ticks = (splits: number[], step: number) => splits.map((v) => formatNumber(v, spec.unit, Math.min(2, Math.max(0, -Math.floor(Math.log10(step || 1))))));
  const spark = spec.kind === "spark";
  const bars = spec.kind === "bar" || spec.kind === "stacked" ? UPlot.paths.bars!({ size: [0.8, 48], gap: 1 }) : undefined;
  let series: uPlot.Series[];
  let data: uPlot.AlignedData;
  if (spec.kind === "stacked") {
    // uPlot does not stack: each part is drawn from zero to its running total, topmost part
    // first, so the lower parts paint over the rest of it. The legend shows each part's own value.
    const totals = spec.series.map((_, i) => spec.x.map((__, j) => (spec.series[i].values[j] == null ? null : spec.series.slice(0, i + 1).reduce((a, s) => a + (s.values[j] ?? 0), 0))));
    const order = spec.series.map((_, i) => i).reverse();
    series = order.map((i) => ({ label: spec.series[i].label, fill: spec.series[i].color, stroke: spec.series[i].color, width: 0, paths: bars, points: { show: false }, value: (_u, _v, _s, idx) => value(idx == null ? null : spec.series[i].values[idx]) }));
    data = [spec.x, ...order.map((i) => totals[i])];
  } else {
    const main = spec.series[0];
    series = [
      {
        label: main.label,
        stroke: main.color,
        width: spark ? 1.5 : 2,
        ...(bars ? { paths: bars, fill: main.color, width: 0, points: { show: false } } : {}),
        spanGaps: spec.spanGaps,
        value: (_u, v) => value(v),
      },
    ];
    data = [spec.x, main.values];
    if (spec.band) {
      series.push({ label: "Lowest", stroke: BAND_EDGE, width: 1, points: { show: false }, spanGaps: spec.spanGaps, value: (_u, v) => value(v) });
      series.push({ label: "Highest", stroke: BAND_EDGE, width: 1, points: { show: false }, spanGaps: spec.spanGaps, value: (_u, v) => value(v) });
      data = [spec.x, main.values, spec.band.lo, spec.band.hi];
    }
  }
  const opts: uPlot.Options = {
    width,
    height: spec.height,
    tzDate: (ts) => UPlot.tzDate(new Date(ts * 1000), spec.zone),
    padding: spark ? [2, 2, 2, 2] : [8, 8, 0, 0],
    legend: { show: !spark && spec.kind !== "stacked" },
    cursor: spark ? { show: false } : { drag: { x: false, y: false } },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    scales: {
      x: { time: true, range: () => spec.xRange },
      y: {
        range: (_u, min, max) => {
          if (spec.zero) return UPlot.rangeNum(0, max > 0 ? max : 1, 0.1, true);
          // One reading (a single weigh-in) sits mid-axis with a few percent around it, not on 0–2×.
          const pad = min === max ? Math.abs(min) * 0.05 || 1 : 0;
          return UPlot.rangeNum(min - pad, max + pad, 0.1, true);
        },
      },
    },
    axes: spark ? [{ show: false }, { show: false }] : [{ ...AXIS }, { ...AXIS, size: 64, values: (_u, splits, _axis, _space, step) => ticks(splits, step) }],
    series: [{}, ...series],
    bands: spec.band ? [{ series: [3, 2], fill: BAND_FILL }] : undefined,
    hooks: {
      // Tells a test (and nothing else) that the canvas holds the data.
      draw: [() => el.setAttribute("data-drawn", String(spec.x.length))],
    },
  };
  return { opts, data };
}

export function UPlotChart({ spec }: { spec: ChartSpec }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let plot: uPlot | null = null;
    let observer: ResizeObserver | null = null;
    let gone = false;
    // Loaded in the browser only (uPlot needs a DOM), in its own chunk.
    void import("uplot").then(({ default: UPlot }) => {
      if (gone) return;
      const width = () => (spec.kind === "spark" ? 120 : Math.max(120, Math.floor(el.clientWidth)));
      const { opts, data } = build(UPlot, spec, width(), el);
      plot = new UPlot(opts, data, el);
      observer = new ResizeObserver(() => {
        if (plot && plot.width !== width()) plot.setSize({ width: width(), height: spec.height });
      });
      observer.observe(el);
    });
    return () => {
      gone = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [spec]);
  return <div ref={ref} aria-hidden="true" className="min-w-0 text-xs" style={{ minHeight: spec.height, width: spec.kind === "spark" ? 120 : undefined }} />;
}
