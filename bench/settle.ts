import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { sumOf } from './stats.js';

/** Busy and total jiffies of all CPUs since boot, from the first line of /proc/stat. */
function cpuTimes(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = sumOf(fields, (value) => value);
  // idle and iowait are the 4th and 5th fields.
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Waits until the machine is quiet: what the last window or probe left running (a server's
 * garbage collection, SQLite's checkpoint, Redis freeing memory) otherwise lands in the next
 * window, whichever target that is. Quiet means under `busyShare` of all cores over one
 * `intervalMs`; gives up after `maxMs` (a machine that never gets quiet still gets measured).
 * Without /proc (not Linux) it returns at once.
 */
export async function untilQuiet({ busyShare = 0.15, intervalMs = 200, maxMs = 5000 } = {}): Promise<void> {
  const started = Date.now();
  let before: { busy: number; total: number };
  try {
    before = cpuTimes();
  } catch {
    return;
  }
  while (Date.now() - started < maxMs) {
    await sleep(intervalMs);
    const now = cpuTimes();
    const total = now.total - before.total;
    const share = total > 0 ? (now.busy - before.busy) / total : 0;
    before = now;
    if (share < busyShare) return;
  }
}
