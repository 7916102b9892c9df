ALTER TABLE "fhir_export" ADD COLUMN "consented_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "daily_value_user_updated_idx" ON "daily_value" USING btree ("user_id","updated_at");--> statement-breakpoint
CREATE INDEX "reconciled_activity_user_updated_idx" ON "reconciled_activity" USING btree ("user_id","updated_at");--> statement-breakpoint
CREATE INDEX "reconciled_sleep_user_updated_idx" ON "reconciled_sleep" USING btree ("user_id","updated_at");