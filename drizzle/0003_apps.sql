CREATE TYPE "public"."import_job_status" AS ENUM('uploading', 'queued', 'running', 'succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "beeminder_connection" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"username" text NOT NULL,
	"access_token_enc" text NOT NULL,
	"token_hash" text NOT NULL,
	"status" "connection_status" DEFAULT 'active' NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"last_error" text,
	"last_pushed_at" timestamp with time zone,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "beeminder_datapoint" (
	"user_id" uuid NOT NULL,
	"link_id" uuid NOT NULL,
	"requestid" text NOT NULL,
	"daystamp" text NOT NULL,
	"value" double precision NOT NULL,
	"comment" text NOT NULL,
	"anchor_at" timestamp with time zone,
	"beeminder_id" text,
	"sent_at" timestamp with time zone NOT NULL,
	CONSTRAINT "beeminder_datapoint_user_id_link_id_requestid_pk" PRIMARY KEY("user_id","link_id","requestid")
);
--> statement-breakpoint
CREATE TABLE "beeminder_goal_link" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"slug" text NOT NULL,
	"title" text,
	"rule" jsonb NOT NULL,
	"send_from" timestamp with time zone NOT NULL,
	"deadline" integer DEFAULT 0 NOT NULL,
	"last_sent_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "import_job" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"status" "import_job_status" DEFAULT 'uploading' NOT NULL,
	"file_name" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"received_bytes" bigint DEFAULT 0 NOT NULL,
	"format" text,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"summary" jsonb,
	"error" text,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "api_key" ADD COLUMN "kind" text DEFAULT 'ingest' NOT NULL;--> statement-breakpoint
ALTER TABLE "beeminder_connection" ADD CONSTRAINT "beeminder_connection_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "beeminder_datapoint" ADD CONSTRAINT "beeminder_datapoint_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "beeminder_datapoint" ADD CONSTRAINT "beeminder_datapoint_link_id_beeminder_goal_link_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."beeminder_goal_link"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "beeminder_goal_link" ADD CONSTRAINT "beeminder_goal_link_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_job" ADD CONSTRAINT "import_job_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "beeminder_connection_user_uq" ON "beeminder_connection" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "beeminder_connection_username_uq" ON "beeminder_connection" USING btree ("username");--> statement-breakpoint
CREATE INDEX "beeminder_connection_token_idx" ON "beeminder_connection" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "beeminder_goal_link_user_slug_uq" ON "beeminder_goal_link" USING btree ("user_id","slug");--> statement-breakpoint
CREATE INDEX "import_job_user_idx" ON "import_job" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "import_job_status_idx" ON "import_job" USING btree ("status","created_at");