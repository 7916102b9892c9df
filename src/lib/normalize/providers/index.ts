import { corosTransforms } from "./coros";
import { eightsleepTransforms } from "./eightsleep";
import { fitbitTransforms } from "./fitbit";
import { garminTransforms } from "./garmin";
import { hevyTransforms } from "./hevy";
import { ouraTransforms } from "./oura";
import { polarTransforms } from "./polar";
import { stravaTransforms } from "./strava";
import type { Transform } from "./types";
import { whoopTransforms } from "./whoop";
import { withingsTransforms } from "./withings";

export type { Deletion, Skipped, Transform, TransformContext, TransformResult } from "./types";

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
