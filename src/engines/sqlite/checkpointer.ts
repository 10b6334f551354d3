import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker copies the WAL back into the database file. */
const CHECKPOINT_EVERY_MS = 100;

/**
 * The worker's whole program (plain CommonJS, so it runs the same under any loader): its own
 * connection to the file, a PASSIVE checkpoint on a timer. PASSIVE never waits for a lock and
 * never blocks a writer; a checkpoint that finds another one running (another process's) skips.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 0 });
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.everyMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/**
 * Checkpoints in a thread of their own. A checkpoint copies the WAL's pages back into the file and
 * syncs it: tens of milliseconds with a large WAL, which on the thread that serves every call is a
 * stall every waiting client feels (the delivery latency's tail). Here they run beside it; the
 * engine's own connection keeps a far threshold (storage.ts) only as a bound should this thread
 * fall behind or fail.
 */
export class Checkpointer {
  private readonly worker: Worker;

  constructor(path: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(PROGRAM, {
      eval: true,
      workerData: { path, driver, everyMs: CHECKPOINT_EVERY_MS },
      // Plain JavaScript: no loader of the parent's (tsx in development) is needed or wanted.
      execArgv: [],
    });
    // A failing worker costs only its checkpoints: the engine's own threshold still bounds the WAL.
    this.worker.on('error', () => {});
    this.worker.unref();
  }

  private stopped: Promise<void> | undefined;

  /** Stops the timer and closes the worker's connection; again, the same promise. */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('stop');
    });
    return this.stopped;
  }
}
