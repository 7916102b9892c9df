import type { Db } from "@/lib/db";
import { processSingleton, startPoller, type Poller } from "@/lib/jobs/poller";
import { requeueInterrupted, runNextImport } from "./jobs";

/**
 * The in-process import runner: the `import_job` rows are the queue (a finished upload is queued,
 * `wake()` starts it at once), one import at a time per process so a multi-GB export cannot starve
 * the web server's two cores. Jobs left running by a dead process are queued again on start.
 */

const singleton = processSingleton<Poller>("__healthbridgeImportRunner");

export function startImportRunner(getDb: () => Promise<Db>, dataDir: string, pollMs = 5_000): Poller {
  return singleton.start(() => {
    let first = true;
    let ranOne = false;
    const poller = startPoller({
      label: "import",
      pollMs,
      tick: async () => {
        const db = await getDb();
        if (first) {
          first = false;
          await requeueInterrupted(db);
        }
        ranOne = await runNextImport(db, { dataDir });
      },
      runAgain: () => ranOne,
    });
    poller.wake();
    return poller;
  });
}

/** Wakes the runner (after an upload completes); a no-op where none was started. */
export function wakeImportRunner(): void {
  singleton.get()?.wake();
}
