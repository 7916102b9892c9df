/**
 * Workout types from the phone bridges, mapped to our snake_case activity types.
 */

export const ACTIVITY_TYPES = [
  "running",
  "walking",
  "hiking",
  "cycling",
  "swimming",
  "strength_training",
  "hiit",
  "yoga",
  "pilates",
  "rowing",
  "elliptical",
  "stair_climbing",
  "dance",
  "skiing",
  "snowboarding",
  "skating",
  "paddling",
  "climbing",
  "team_sport",
  "racket_sport",
  "martial_arts",
  "golf",
  "stretching",
  "breathing",
  "wheelchair",
  "other",
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/**
 * androidx.health.connect.client.records.ExerciseSessionRecord.EXERCISE_TYPE_* → our type.
 * Values checked against a decompiled connect-client (ExerciseSessionRecord constants: RUNNING 56,
 * WALKING 79, BIKING 8, HIKING 37, OTHER_WORKOUT 0, …). HC Webhook sends these ints as strings.
 */
export const HEALTH_CONNECT_EXERCISE: Record<number, { name: string; type: ActivityType }> = {
  0: { name: "other_workout", type: "other" },
  2: { name: "badminton", type: "racket_sport" },
  4: { name: "baseball", type: "team_sport" },
  5: { name: "basketball", type: "team_sport" },
  8: { name: "biking", type: "cycling" },
  9: { name: "biking_stationary", type: "cycling" },
  10: { name: "boot_camp", type: "hiit" },
  11: { name: "boxing", type: "martial_arts" },
  13: { name: "calisthenics", type: "strength_training" },
  14: { name: "cricket", type: "team_sport" },
  16: { name: "dancing", type: "dance" },
  25: { name: "elliptical", type: "elliptical" },
  26: { name: "exercise_class", type: "other" },
  27: { name: "fencing", type: "martial_arts" },
  28: { name: "football_american", type: "team_sport" },
  29: { name: "football_australian", type: "team_sport" },
  31: { name: "frisbee_disc", type: "team_sport" },
  32: { name: "golf", type: "golf" },
  33: { name: "guided_breathing", type: "breathing" },
  34: { name: "gymnastics", type: "other" },
  35: { name: "handball", type: "team_sport" },
  36: { name: "high_intensity_interval_training", type: "hiit" },
  37: { name: "hiking", type: "hiking" },
  38: { name: "ice_hockey", type: "team_sport" },
  39: { name: "ice_skating", type: "skating" },
  44: { name: "martial_arts", type: "martial_arts" },
  46: { name: "paddling", type: "paddling" },
  47: { name: "paragliding", type: "other" },
  48: { name: "pilates", type: "pilates" },
  50: { name: "racquetball", type: "racket_sport" },
  51: { name: "rock_climbing", type: "climbing" },
  52: { name: "roller_hockey", type: "team_sport" },
  53: { name: "rowing", type: "rowing" },
  54: { name: "rowing_machine", type: "rowing" },
  55: { name: "rugby", type: "team_sport" },
  56: { name: "running", type: "running" },
  57: { name: "running_treadmill", type: "running" },
  58: { name: "sailing", type: "other" },
  59: { name: "scuba_diving", type: "swimming" },
  60: { name: "skating", type: "skating" },
  61: { name: "skiing", type: "skiing" },
  62: { name: "snowboarding", type: "snowboarding" },
  63: { name: "snowshoeing", type: "hiking" },
  64: { name: "soccer", type: "team_sport" },
  65: { name: "softball", type: "team_sport" },
  66: { name: "squash", type: "racket_sport" },
  68: { name: "stair_climbing", type: "stair_climbing" },
  69: { name: "stair_climbing_machine", type: "stair_climbing" },
  70: { name: "strength_training", type: "strength_training" },
  71: { name: "stretching", type: "stretching" },
  72: { name: "surfing", type: "paddling" },
  73: { name: "swimming_open_water", type: "swimming" },
  74: { name: "swimming_pool", type: "swimming" },
  75: { name: "table_tennis", type: "racket_sport" },
  76: { name: "tennis", type: "racket_sport" },
  78: { name: "volleyball", type: "team_sport" },
  79: { name: "walking", type: "walking" },
  80: { name: "water_polo", type: "team_sport" },
  81: { name: "weightlifting", type: "strength_training" },
  82: { name: "wheelchair", type: "wheelchair" },
  83: { name: "yoga", type: "yoga" },
};

const HC_BY_NAME = new Map(Object.values(HEALTH_CONNECT_EXERCISE).map((e) => [e.name, e.type]));

/** Health Connect exercise type as an int, a stringified int ("56") or a name ("running"). */
export function healthConnectExerciseType(value: unknown): ActivityType {
  if (typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value.trim())))
    return HEALTH_CONNECT_EXERCISE[Number(value)]?.type ?? "other";
  if (typeof value !== "string") return "other";
  const name = value.trim().toLowerCase().replace(/[\s-]+/g, "_");
  const known = HC_BY_NAME.get(name);
  if (known) return known;
  return (ACTIVITY_TYPES as readonly string[]).includes(name) ? (name as ActivityType) : "other";
}

/** Keyword rules for Health Auto Export workout names ("Outdoor Run", "Indoor Cycling", …), first match wins. */
const HAE_NAME_RULES: Array<[RegExp, ActivityType]> = [
  [/wheelchair/i, "wheelchair"],
  [/\brun|jog/i, "running"],
  [/hik/i, "hiking"],
  [/walk/i, "walking"],
  [/cycl|bik/i, "cycling"],
  [/swim/i, "swimming"],
  [/high intensity|hiit/i, "hiit"],
  [/strength|weight|functional|core training/i, "strength_training"],
  [/yoga/i, "yoga"],
  [/pilates/i, "pilates"],
  [/row/i, "rowing"],
  [/elliptical/i, "elliptical"],
  [/stair/i, "stair_climbing"],
  [/danc/i, "dance"],
  [/snowboard/i, "snowboarding"],
  [/ski/i, "skiing"],
  [/skat/i, "skating"],
  [/paddl|kayak|canoe|surf/i, "paddling"],
  [/climb/i, "climbing"],
  [/tennis|badminton|squash|racquet|pickleball/i, "racket_sport"],
  [/soccer|football|basketball|volleyball|hockey|rugby|baseball|softball|cricket|handball|lacrosse/i, "team_sport"],
  [/box|kickbox|martial|fencing|wrestl/i, "martial_arts"],
  [/golf/i, "golf"],
  [/stretch|flexibility|cooldown/i, "stretching"],
  [/breath|mind/i, "breathing"],
];

export function haeWorkoutType(name: unknown): ActivityType {
  if (typeof name !== "string") return "other";
  for (const [re, type] of HAE_NAME_RULES) if (re.test(name)) return type;
  return "other";
}

/** FIT `sport`/`sub_sport` values that the name rules below would miss or misread. */
const FIT_SPORTS: Record<string, ActivityType> = {
  training: "strength_training",
  fitnessEquipment: "other",
  indoorRowing: "rowing",
  stairClimbing: "stair_climbing",
  rockClimbing: "climbing",
  bouldering: "climbing",
  standUpPaddleboarding: "paddling",
  eBiking: "cycling",
  mountain: "cycling",
  eMountain: "cycling",
  treadmill: "running",
  trail: "running",
  lapSwimming: "swimming",
  openWater: "swimming",
  breathwork: "breathing",
};

const words = (camel: string) => camel.replace(/([a-z])([A-Z])/g, "$1 $2");

/**
 * A FIT session's sport (as @garmin/fitsdk decodes it: camelCase strings such as "running",
 * "alpineSkiing", sub sport "indoorRowing"). The sub sport wins when it says more than "generic".
 */
export function fitSportType(sport: unknown, subSport?: unknown): ActivityType {
  for (const v of [subSport, sport]) {
    if (typeof v !== "string" || v === "generic" || v === "all") continue;
    const mapped = FIT_SPORTS[v] ?? haeWorkoutType(words(v));
    if (mapped !== "other" || v === sport) return mapped;
  }
  return "other";
}

/** TCX `Sport` ("Running", "Biking", "Other") and GPX `<type>` (free text, e.g. "running", "Ride"). */
export function trackSportType(value: unknown): ActivityType {
  if (typeof value !== "string") return "other";
  if (/^ride$/i.test(value.trim())) return "cycling";
  return haeWorkoutType(words(value));
}
