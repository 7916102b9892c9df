ALTER TABLE "activity" ALTER COLUMN "steps" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "daily_summary" ALTER COLUMN "steps" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "provider_connection" ADD COLUMN "credential_hash" text;--> statement-breakpoint
ALTER TABLE "sync_run" ADD COLUMN "request_key" text;--> statement-breakpoint
ALTER TABLE "user" ADD COLUMN "session_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "provider_connection_provider_credential_uq" ON "provider_connection" USING btree ("provider","credential_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_run_one_live_per_request_uq" ON "sync_run" USING btree ("connection_id","request_key") WHERE "sync_run"."status" in ('queued', 'running', 'rescheduled');