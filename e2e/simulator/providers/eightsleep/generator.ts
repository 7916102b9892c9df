import { isoZ, type ProviderSpec } from "../../data/core";
import { night } from "../../data/generators/shared";

/** Eight Sleep trend days (`GET /v1/users/{id}/trends` → `days[]`), keys from health-sync's notes. */

export const eightsleepGenerator: ProviderSpec = {
  trends: {
    day: (ctx) => {
      const n = night(ctx);
      const r = ctx.rng("eightsleep");
      const sessionId = String(Math.floor(n.startMs / 1000));
      return [
        {
          id: ctx.day,
          day: ctx.day,
          at: n.startMs,
          updatedAt: n.endMs + 20 * 60_000,
          body: {
            day: ctx.day,
            score: n.score,
            sleepQualityScore: r.int(50, 98),
            sleepRoutineScore: r.int(50, 98),
            presenceStart: isoZ(n.startMs - r.int(5, 30) * 60_000),
            presenceEnd: isoZ(n.endMs + r.int(2, 20) * 60_000),
            sleepStart: isoZ(n.startMs + n.latencyS * 1000),
            sleepEnd: isoZ(n.endMs),
            sleepDuration: n.asleepS,
            deepDuration: n.deepS,
            lightDuration: n.lightS,
            remDuration: n.remS,
            tnt: n.wakeups * 3,
            mainSessionId: sessionId,
            sessionIds: [sessionId],
            incomplete: false,
          },
        },
      ];
    },
  },
};
