import { DAY_MS, HOUR_MS, localInstant, MINUTE_MS, round, type DayContext } from "../core";

/**
 * What a simulated person did on a day, before any provider formats it: training sessions and the
 * night that ended that morning. Each provider derives its own copy (seeded with the provider id),
 * as two devices would record two slightly different days.
 */

export type SportKey = "run" | "ride" | "walk" | "swim" | "strength" | "hike" | "yoga";

type Sport = {
  key: SportKey;
  weight: number;
  minutes: [number, number];
  /** m/s; null = no distance. */
  speed: [number, number] | null;
  hr: [number, number];
  kcalPerMinute: number;
  climbPerKm: number;
  stepsPerMinute: number;
};

const SPORTS: Sport[] = [
  { key: "run", weight: 4, minutes: [25, 80], speed: [2.6, 3.6], hr: [135, 165], kcalPerMinute: 11, climbPerKm: 8, stepsPerMinute: 165 },
  { key: "ride", weight: 3, minutes: [40, 180], speed: [6, 9], hr: [118, 150], kcalPerMinute: 9, climbPerKm: 10, stepsPerMinute: 0 },
  { key: "walk", weight: 2, minutes: [20, 70], speed: [1.2, 1.6], hr: [88, 112], kcalPerMinute: 4.5, climbPerKm: 4, stepsPerMinute: 110 },
  { key: "swim", weight: 1, minutes: [25, 60], speed: [0.6, 0.9], hr: [118, 145], kcalPerMinute: 9, climbPerKm: 0, stepsPerMinute: 0 },
  { key: "strength", weight: 1.5, minutes: [30, 75], speed: null, hr: [98, 130], kcalPerMinute: 6, climbPerKm: 0, stepsPerMinute: 0 },
  { key: "hike", weight: 0.7, minutes: [90, 300], speed: [0.9, 1.3], hr: [100, 130], kcalPerMinute: 6, climbPerKm: 60, stepsPerMinute: 100 },
  { key: "yoga", weight: 0.5, minutes: [30, 60], speed: null, hr: [78, 100], kcalPerMinute: 3, climbPerKm: 0, stepsPerMinute: 0 },
];

export type Session = {
  seq: number;
  sport: SportKey;
  startMs: number;
  durationS: number;
  movingS: number;
  distanceM: number | null;
  kcal: number;
  avgHr: number;
  maxHr: number;
  elevationM: number | null;
  steps: number | null;
};

function pickSport(r: { next(): number }): Sport {
  const total = SPORTS.reduce((a, s) => a + s.weight, 0);
  let x = r.next() * total;
  for (const s of SPORTS) if ((x -= s.weight) < 0) return s;
  return SPORTS[0];
}

/** One session starting at local minute `startMinute` of the day. */
export function session(ctx: DayContext, salt: string, seq: number, startMs: number): Session {
  const r = ctx.rng(`session:${salt}`);
  const sport = pickSport(r);
  const minutes = r.int(sport.minutes[0], sport.minutes[1]);
  const durationS = minutes * 60 + r.int(0, 59);
  const movingS = sport.speed ? Math.round(durationS * r.float(0.88, 0.99, 3)) : durationS;
  const distanceM = sport.speed ? round(movingS * r.float(sport.speed[0], sport.speed[1], 2), 1) : null;
  const avgHr = r.int(sport.hr[0], sport.hr[1]);
  return {
    seq,
    sport: sport.key,
    startMs,
    durationS,
    movingS,
    distanceM,
    kcal: round(minutes * sport.kcalPerMinute * r.float(0.85, 1.15, 2), 1),
    avgHr,
    maxHr: avgHr + r.int(12, 30),
    elevationM: distanceM !== null && sport.climbPerKm > 0 ? round((distanceM / 1000) * sport.climbPerKm * r.float(0.5, 1.5, 2), 1) : null,
    steps: sport.stepsPerMinute ? Math.round((movingS / 60) * sport.stepsPerMinute * r.float(0.9, 1.1, 2)) : null,
  };
}

/** 0–2 sessions on a day (≈ 0.7 a day), morning and/or evening. */
export function sessions(ctx: DayContext): Session[] {
  const r = ctx.rng("sessions");
  const u = r.next();
  const count = u < 0.42 ? 0 : u < 0.9 ? 1 : 2;
  const out: Session[] = [];
  const slots = count === 2 ? [r.int(6 * 60, 9 * 60), r.int(17 * 60, 19 * 60 + 30)] : [r.chance(0.5) ? r.int(6 * 60, 9 * 60 + 30) : r.int(16 * 60 + 30, 19 * 60 + 30)];
  for (let i = 0; i < count; i++) out.push(session(ctx, String(i), i, localInstant(ctx.day, slots[i] + r.next(), ctx.profile.timezone)));
  for (const s of out) s.startMs = Math.floor(s.startMs / 1000) * 1000;
  return out;
}

export type Night = {
  startMs: number;
  endMs: number;
  inBedS: number;
  latencyS: number;
  deepS: number;
  remS: number;
  lightS: number;
  awakeS: number;
  asleepS: number;
  efficiency: number;
  avgHr: number;
  minHr: number;
  hrvRmssd: number;
  respiratoryRate: number;
  score: number;
  wakeups: number;
};

/** The night that ended on the morning of `ctx.day` (bed 22:00–00:45 the evening before). */
export function night(ctx: DayContext): Night {
  const r = ctx.rng("night");
  const prev = new Date(Date.parse(`${ctx.day}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
  const startMs = Math.floor(localInstant(prev, r.int(22 * 60, 24 * 60 + 45), ctx.profile.timezone) / 1000) * 1000 + r.int(0, 59) * 1000;
  const inBedS = r.int(390, 540) * 60;
  const awakeS = Math.round(inBedS * r.float(0.04, 0.12, 3));
  const asleepS = inBedS - awakeS;
  const deepS = Math.round(asleepS * r.float(0.13, 0.24, 3));
  const remS = Math.round(asleepS * r.float(0.17, 0.26, 3));
  const lightS = asleepS - deepS - remS;
  const minHr = ctx.profile.restingHr + r.int(-4, 4);
  return {
    startMs,
    endMs: startMs + inBedS * 1000,
    inBedS,
    latencyS: r.int(3, 25) * 60,
    deepS,
    remS,
    lightS,
    awakeS,
    asleepS,
    efficiency: Math.round((asleepS / inBedS) * 100),
    avgHr: minHr + r.int(3, 9),
    minHr,
    hrvRmssd: r.int(28, 85),
    respiratoryRate: r.float(12.5, 17, 1),
    score: r.int(55, 95),
    wakeups: r.int(0, 6),
  };
}

/** Everyday movement and energy for a day. */
export function dayActivity(ctx: DayContext) {
  const r = ctx.rng("day");
  const steps = r.int(2500, 16000);
  const distanceM = Math.round(steps * r.float(0.68, 0.8, 2));
  const activeKcal = Math.round(steps * 0.045 + r.int(50, 400));
  const bmr = Math.round(ctx.profile.weightKg * 22 + r.int(-40, 40));
  return { steps, distanceM, activeKcal, totalKcal: activeKcal + bmr, bmr, avgHr: ctx.profile.restingHr + r.int(12, 25), score: r.int(40, 99) };
}

/** Body weight on a day: a slow wave around the person's baseline plus day noise. */
export function weightOn(ctx: DayContext, dayNo: number): number {
  const r = ctx.rng("weight");
  return round(ctx.profile.weightKg + 1.8 * Math.sin((2 * Math.PI * dayNo) / 180) + r.float(-0.4, 0.4, 2), 2);
}

/** Heart-rate samples are thinned to this interval (real devices: 5 min or less) to keep 10 years light. */
export const HR_SAMPLE_MINUTES = 60;

/** Resting-ish heart rate samples over the local day. */
export function hrSamples(ctx: DayContext): Array<{ ms: number; minuteOfDay: number; bpm: number }> {
  const r = ctx.rng("hr");
  const tz = ctx.profile.timezone;
  const midnight = localInstant(ctx.day, 0, tz);
  // One zone lookup per day unless the day has a DST change.
  const steady = localInstant(ctx.day, 24 * 60, tz) - midnight === DAY_MS;
  const out: Array<{ ms: number; minuteOfDay: number; bpm: number }> = [];
  for (let m = 0; m < 24 * 60; m += HR_SAMPLE_MINUTES) {
    const minuteOfDay = m + r.int(0, 4);
    const asleep = minuteOfDay < 6 * 60 + 30 || minuteOfDay > 23 * 60;
    out.push({
      ms: steady ? midnight + minuteOfDay * MINUTE_MS : localInstant(ctx.day, minuteOfDay, tz),
      minuteOfDay,
      bpm: ctx.profile.restingHr + (asleep ? r.int(-3, 4) : r.int(8, 35)),
    });
  }
  return out;
}

export const minutesLater = (ms: number, minutes: number): number => ms + minutes * MINUTE_MS;
export const hoursLater = (ms: number, hours: number): number => ms + hours * HOUR_MS;
