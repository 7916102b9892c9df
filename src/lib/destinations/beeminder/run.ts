import { throttledPass } from "@/lib/jobs/throttled";
import { pushDueBeeminder } from "./push";

/**
 * The in-process hook: the sync runner's tick calls this after reconciling, so datapoints go out
 * right after data lands (a notice → narrow sync → reconcile → here) and the hourly catch-up
 * happens without a scheduler. At most one pass at a time and one start every 10 s.
 */
export const pushBeeminderAfterLanding = throttledPass("beeminder", 10_000, (db) => pushDueBeeminder(db));
