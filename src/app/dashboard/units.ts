import { cookies } from "next/headers";
import { isUnits, type Units } from "@/lib/dashboard/format";

/** The display-units preference lives in a cookie: it changes how numbers read, never what is stored. */
export const UNITS_COOKIE = "hb_units";

export async function unitsPreference(): Promise<Units> {
  const v = (await cookies()).get(UNITS_COOKIE)?.value;
  return isUnits(v) ? v : "metric";
}
