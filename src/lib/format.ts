/** Wall-clock time of an instant at a fixed UTC offset, as `YYYY-MM-DD HH:mm`. */
export function localDateTime(instant: Date, offsetMinutes: number | null | undefined): string {
  const shifted = new Date(instant.getTime() + (offsetMinutes ?? 0) * 60_000);
  const iso = shifted.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** Seconds as `H:MM:SS`. */
export function formatDuration(seconds: number | null | undefined): string | null {
  if (seconds == null || !Number.isFinite(seconds)) return null;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export function formatKm(metres: number | null | undefined): string | null {
  return metres == null ? null : (metres / 1000).toFixed(2);
}
