"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { ImportJobView } from "@/lib/import/jobs";

const ACTIVE = new Set(["uploading", "queued", "running"]);

async function api<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, cache: "no-store" });
  const body = (await res.json().catch(() => ({}))) as T & { error?: string; received?: number };
  if (!res.ok) throw Object.assign(new Error(body.error ?? `HTTP ${res.status}`), { status: res.status, received: body.received });
  return body;
}

/**
 * Uploads each file in chunks cut with Blob.slice (the browser never reads a file whole), resuming
 * at the offset the server reports after a failed chunk, then polls the job until its import ends.
 */
async function uploadFile(file: File, onJob: (job: ImportJobView) => void, cancelled: () => boolean) {
  const { job, chunkBytes } = await api<{ job: ImportJobView; chunkBytes: number }>("/api/import", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ fileName: file.name, size: file.size }),
  });
  onJob(job);
  let offset = 0;
  let failures = 0;
  while (offset < file.size) {
    if (cancelled()) return;
    try {
      const res = await api<{ job: ImportJobView }>(`/api/import/${job.id}?offset=${offset}`, {
        method: "PUT",
        headers: { "content-type": "application/octet-stream" },
        body: file.slice(offset, offset + chunkBytes),
      });
      offset = res.job.received;
      failures = 0;
      onJob(res.job);
    } catch (err) {
      const e = err as Error & { status?: number; received?: number };
      if (e.status === 409 && typeof e.received === "number") offset = e.received;
      else if (++failures > 5 || (e.status && e.status < 500)) throw err;
      else await new Promise((r) => setTimeout(r, 1000 * failures));
    }
  }
}

const pct = (a: number, b: number) => (b > 0 ? Math.min(100, Math.round((a / b) * 100)) : 0);

function JobRow({ job, onCancel }: { job: ImportJobView; onCancel: (id: string) => void }) {
  const p = job.progress;
  const uploading = job.status === "uploading";
  const value = uploading ? pct(job.received, job.size) : pct(p.bytes ?? 0, p.totalBytes ?? 0);
  const s = job.summary;
  return (
    <li className="rounded border border-slate-200 bg-white p-4" data-testid="import-job">
      <div className="flex items-baseline justify-between gap-4">
        <span className="font-medium">{job.fileName}</span>
        <span className="text-sm text-slate-600" data-testid="import-status">
          {job.status}
        </span>
      </div>
      {ACTIVE.has(job.status) ? (
        <div className="mt-2 space-y-1">
          <progress className="w-full" max={100} value={value} aria-label={`${job.fileName} progress`} />
          <p className="text-sm text-slate-600" data-testid="import-progress">
            {uploading
              ? `Uploading: ${job.received.toLocaleString()} of ${job.size.toLocaleString()} bytes`
              : job.status === "queued"
                ? "Waiting to be read"
                : p.step === undefined
                  ? "Starting to read…"
                  : `${p.step}: ${(p.bytes ?? 0).toLocaleString()} of ${(p.totalBytes ?? 0).toLocaleString()} bytes read, ${(p.records ?? 0).toLocaleString()} records`}
          </p>
          {!job.cancelRequested ? (
            <button type="button" className="text-sm text-red-700 underline" onClick={() => onCancel(job.id)}>
              Cancel
            </button>
          ) : (
            <p className="text-sm text-slate-600">Cancelling…</p>
          )}
        </div>
      ) : null}
      {job.error ? (
        <p role="alert" className="mt-2 text-sm text-red-800">
          {job.error}
        </p>
      ) : null}
      {s ? (
        <details className="mt-2 text-sm" open={job.status !== "succeeded" || undefined}>
          <summary>
            {(s.stored ?? 0).toLocaleString()} records stored, {s.duplicates.toLocaleString()} already there
          </summary>
          {s.counts.daily_summary.inserted + s.counts.daily_summary.updated ? (
            <p>{(s.counts.daily_summary.inserted + s.counts.daily_summary.updated).toLocaleString()} daily summaries recomputed</p>
          ) : null}
          <ul className="mt-1 list-disc pl-5">
            {Object.entries(s.records).map(([type, n]) => (
              <li key={type}>
                {type}: {n.toLocaleString()}
              </li>
            ))}
          </ul>
          {s.unmapped.count ? <p>Kept but not understood: {Object.entries(s.unmapped.names).map(([k, n]) => `${k} (${n})`).join(", ")}</p> : null}
          {s.damaged.count ? (
            <p>
              {s.damaged.count} damaged spot(s) in the file:{" "}
              {s.damaged.issues.slice(0, 5).map((i) => `line ${i.line}: ${i.reason}`).join("; ")}
            </p>
          ) : null}
          {s.refused.count ? <p>{s.refused.count} implausible value(s) not stored.</p> : null}
          {s.routes.missing.length ? <p>Routes not found: {s.routes.missing.slice(0, 5).join(", ")}</p> : null}
          {s.warnings.map((w) => (
            <p key={w}>{w}</p>
          ))}
        </details>
      ) : null}
    </li>
  );
}

export function ImportPanel({ initialJobs }: { initialJobs: ImportJobView[] }) {
  const [jobs, setJobs] = useState(initialJobs);
  const [error, setError] = useState<string | null>(null);
  const cancelledUploads = useRef(new Set<string>());
  const putJob = useCallback((job: ImportJobView) => setJobs((list) => [job, ...list.filter((j) => j.id !== job.id)]), []);

  const active = jobs.some((j) => ACTIVE.has(j.status));
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(async () => {
      try {
        const { jobs: fresh } = await api<{ jobs: ImportJobView[] }>("/api/import");
        setJobs(fresh);
      } catch {
        /* the next poll tries again */
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [active]);

  async function onFiles(files: FileList | null) {
    setError(null);
    for (const file of Array.from(files ?? [])) {
      let id: string | null = null;
      try {
        await uploadFile(
          file,
          (job) => {
            id = job.id;
            putJob(job);
          },
          () => !!id && cancelledUploads.current.has(id),
        );
      } catch (err) {
        setError(`${file.name}: ${(err as Error).message}`);
      }
    }
  }

  async function onCancel(id: string) {
    cancelledUploads.current.add(id);
    try {
      putJob((await api<{ job: ImportJobView }>(`/api/import/${id}`, { method: "DELETE" })).job);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <section className="space-y-4">
      <label className="block">
        <span className="font-medium">Choose files</span>
        <input
          type="file"
          multiple
          accept=".zip,.xml,.fit,.gpx,.tcx"
          className="mt-1 block"
          onChange={(e) => {
            void onFiles(e.target.files);
            e.target.value = "";
          }}
        />
      </label>
      {error ? (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-4 py-3 text-red-800">
          {error}
        </p>
      ) : null}
      <ul className="space-y-3">
        {jobs.map((job) => (
          <JobRow key={job.id} job={job} onCancel={onCancel} />
        ))}
      </ul>
    </section>
  );
}
