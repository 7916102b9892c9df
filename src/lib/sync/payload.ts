import { z } from "zod";

/** Payload of the `sync-connection` task (Trigger.dev) and of `enqueueSync`. */
export const syncConnectionPayload = z
  .object({
    connectionId: z.uuid({ message: "connectionId must be a connection id" }),
    resources: z.array(z.string().min(1).max(64)).min(1).max(32).optional(),
    from: z.iso.datetime({ offset: true, message: "from must be an ISO-8601 instant" }).optional(),
    to: z.iso.datetime({ offset: true, message: "to must be an ISO-8601 instant" }).optional(),
    /** The sync_run row queued by the app; the task queues its own when absent (e.g. a replay). */
    runId: z.uuid().optional(),
    trigger: z.enum(["manual", "schedule", "webhook", "connect"]).optional(),
  })
  .refine((p) => !p.from || !p.to || Date.parse(p.from) < Date.parse(p.to), { message: "from must be before to", path: ["to"] });

export type SyncConnectionPayload = z.infer<typeof syncConnectionPayload>;
