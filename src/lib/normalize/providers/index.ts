import { corosTransforms } from "@/lib/providers/coros/transform";
import { eightsleepTransforms } from "@/lib/providers/eightsleep/transform";
import { fitbitTransforms } from "@/lib/providers/fitbit/transform";
import { garminTransforms } from "@/lib/providers/garmin/transform";
import { hevyTransforms } from "@/lib/providers/hevy/transform";
import { ouraTransforms } from "@/lib/providers/oura/transform";
import { polarTransforms } from "@/lib/providers/polar/transform";
import { stravaTransforms } from "@/lib/providers/strava/transform";
import type { Transform } from "@/lib/providers/shared/transform-types";
import { whoopTransforms } from "@/lib/providers/whoop/transform";
import { withingsTransforms } from "@/lib/providers/withings/transform";

export type { Deletion, Skipped, Transform, TransformContext, TransformResult } from "@/lib/providers/shared/transform-types";

/** Every provider's transforms, by provider id then resource (the provider's endpoint name). */
export const providerTransforms = {
  strava: stravaTransforms,
  garmin: garminTransforms,
  oura: ouraTransforms,
  whoop: whoopTransforms,
  fitbit: fitbitTransforms,
  polar: polarTransforms,
  coros: corosTransforms,
  withings: withingsTransforms,
  hevy: hevyTransforms,
  eightsleep: eightsleepTransforms,
} satisfies Record<string, Record<string, Transform>>;

export type TransformProvider = keyof typeof providerTransforms;

export function transformFor(provider: string, resource: string): Transform | undefined {
  return (providerTransforms as Record<string, Record<string, Transform>>)[provider]?.[resource];
}
