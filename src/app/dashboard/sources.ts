import type { EpisodeCopy } from "@/lib/db/schema";
import { sourceLabel } from "@/lib/reconcile/priority";

/** "Garmin, Strava": the sources a workout or night was recorded by, best first. */
export const sourceList = (copies: EpisodeCopy[]) => [...new Set(copies.map((c) => sourceLabel(c)))].join(", ");
