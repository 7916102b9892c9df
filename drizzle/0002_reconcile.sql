CREATE TABLE "daily_value" (
	"user_id" uuid NOT NULL,
	"date" date NOT NULL,
	"metric" text NOT NULL,
	"value" double precision NOT NULL,
	"unit" text NOT NULL,
	"sources" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "daily_value_user_id_metric_date_pk" PRIMARY KEY("user_id","metric","date")
);
--> statement-breakpoint
CREATE TABLE "reconcile_dirty" (
	"user_id" uuid NOT NULL,
	"date" date NOT NULL,
	"marked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reconcile_dirty_user_id_date_pk" PRIMARY KEY("user_id","date")
);
--> statement-breakpoint
CREATE TABLE "reconciled_activity" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"primary_id" uuid NOT NULL,
	"local_date" date NOT NULL,
	"type" text NOT NULL,
	"name" text,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone,
	"utc_offset_minutes" integer,
	"duration_s" double precision,
	"moving_s" double precision,
	"distance_m" double precision,
	"energy_kcal" double precision,
	"avg_hr" double precision,
	"max_hr" double precision,
	"elevation_gain_m" double precision,
	"steps" bigint,
	"copies" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reconciled_sleep" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"primary_id" uuid NOT NULL,
	"local_date" date NOT NULL,
	"is_nap" boolean NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"utc_offset_minutes" integer,
	"in_bed_s" double precision,
	"asleep_s" double precision,
	"deep_s" double precision,
	"light_s" double precision,
	"rem_s" double precision,
	"awake_s" double precision,
	"efficiency_pct" double precision,
	"avg_hr" double precision,
	"min_hr" double precision,
	"hrv_rmssd_ms" double precision,
	"hrv_sdnn_ms" double precision,
	"score" double precision,
	"copies" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "source_priority" (
	"user_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"providers" text[] NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "source_priority_user_id_metric_pk" PRIMARY KEY("user_id","metric")
);
--> statement-breakpoint
DROP INDEX "measurement_user_provider_type_time_uq";--> statement-breakpoint
ALTER TABLE "measurement" ADD COLUMN "end_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "measurement" ADD COLUMN "local_date" date;--> statement-breakpoint
ALTER TABLE "measurement" ADD COLUMN "utc_offset_minutes" integer;--> statement-breakpoint
ALTER TABLE "user" ADD COLUMN "time_zone" text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_value" ADD CONSTRAINT "daily_value_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconcile_dirty" ADD CONSTRAINT "reconcile_dirty_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciled_activity" ADD CONSTRAINT "reconciled_activity_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciled_activity" ADD CONSTRAINT "reconciled_activity_primary_id_activity_id_fk" FOREIGN KEY ("primary_id") REFERENCES "public"."activity"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciled_sleep" ADD CONSTRAINT "reconciled_sleep_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciled_sleep" ADD CONSTRAINT "reconciled_sleep_primary_id_sleep_session_id_fk" FOREIGN KEY ("primary_id") REFERENCES "public"."sleep_session"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_priority" ADD CONSTRAINT "source_priority_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "daily_value_user_date_idx" ON "daily_value" USING btree ("user_id","date");--> statement-breakpoint
CREATE UNIQUE INDEX "reconciled_activity_user_primary_uq" ON "reconciled_activity" USING btree ("user_id","primary_id");--> statement-breakpoint
CREATE INDEX "reconciled_activity_user_start_idx" ON "reconciled_activity" USING btree ("user_id","start_at");--> statement-breakpoint
CREATE INDEX "reconciled_activity_user_date_idx" ON "reconciled_activity" USING btree ("user_id","local_date");--> statement-breakpoint
CREATE UNIQUE INDEX "reconciled_sleep_user_primary_uq" ON "reconciled_sleep" USING btree ("user_id","primary_id");--> statement-breakpoint
CREATE INDEX "reconciled_sleep_user_date_idx" ON "reconciled_sleep" USING btree ("user_id","local_date");--> statement-breakpoint
CREATE INDEX "activity_user_date_idx" ON "activity" USING btree ("user_id","local_date");--> statement-breakpoint
CREATE INDEX "measurement_user_date_type_idx" ON "measurement" USING btree ("user_id","local_date","type");--> statement-breakpoint
ALTER TABLE "measurement" ADD CONSTRAINT "measurement_user_provider_type_time_source_uq" UNIQUE NULLS NOT DISTINCT("user_id","provider","type","measured_at","source");--> statement-breakpoint
-- Rows stored before measurements carried their local day: the offset they came with was not kept,
-- so they take the day in UTC (what daily summaries used until now).
UPDATE "measurement" SET "local_date" = ("measured_at" AT TIME ZONE 'UTC')::date WHERE "local_date" IS NULL;--> statement-breakpoint
-- Every day that already holds data is reconciled on the first poll after the upgrade.
INSERT INTO "reconcile_dirty" ("user_id", "date")
  SELECT "user_id", "local_date" FROM "activity"
  UNION SELECT "user_id", "local_date" FROM "sleep_session"
  UNION SELECT "user_id", "date" FROM "daily_summary"
  UNION SELECT "user_id", "local_date" FROM "measurement"
ON CONFLICT DO NOTHING;
