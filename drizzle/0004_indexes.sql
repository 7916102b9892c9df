DROP INDEX "reconciled_activity_user_start_idx";--> statement-breakpoint
ALTER TABLE "user" ADD COLUMN "week_starts_on" text DEFAULT 'monday' NOT NULL;--> statement-breakpoint
CREATE INDEX "daily_summary_user_date_idx" ON "daily_summary" USING btree ("user_id","date");--> statement-breakpoint
CREATE INDEX "reconciled_activity_user_start_id_idx" ON "reconciled_activity" USING btree ("user_id","start_at","id");--> statement-breakpoint
CREATE INDEX "reconciled_activity_user_type_idx" ON "reconciled_activity" USING btree ("user_id","type");--> statement-breakpoint
CREATE INDEX "reconciled_sleep_user_end_idx" ON "reconciled_sleep" USING btree ("user_id","end_at");--> statement-breakpoint
CREATE INDEX "sync_run_connection_succeeded_idx" ON "sync_run" USING btree ("connection_id","finished_at") WHERE "sync_run"."status" = 'succeeded';--> statement-breakpoint
CREATE INDEX "webhook_event_user_received_idx" ON "webhook_event" USING btree ("user_id","received_at");--> statement-breakpoint
CREATE INDEX "webhook_event_connection_received_idx" ON "webhook_event" USING btree ("connection_id","received_at");