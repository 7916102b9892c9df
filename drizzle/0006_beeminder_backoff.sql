ALTER TABLE "beeminder_connection" ADD COLUMN "failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "beeminder_connection" ADD COLUMN "retry_at" timestamp with time zone;