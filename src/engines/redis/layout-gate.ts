import { StorageUnavailableError } from '../../chat/errors.js';
import { storageError, whenReady } from './connection.js';
import { ensureLayout, type LayoutMigration } from './migrate-layout.js';
import { isCluster, type RedisClient } from './scripts.js';

/** After a failed check with the connection still up (no answer in time): a pause, not a spin. */
const RETRY_PAUSE_MS = 200;

/**
 * What every engine command waits for first: the data under the prefix is in the current key
 * layout (migrate-layout.ts), so an upgrade keeps participants, rooms and history. Checked once
 * per start; a failed check (Redis away) is tried again by the next command. A cluster never
 * held the old layout (the old version refused to run on one), so nothing is checked there.
 */
export class LayoutGate {
  private checked: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly closed: () => boolean,
    private readonly onMigrated?: (migration: LayoutMigration) => void,
  ) {}

  /** Resolves once the layout is current; fails as the check failed (a command may try again). */
  pass(): Promise<void> {
    const redis = this.redis;
    if (isCluster(redis)) return Promise.resolve();
    if (this.checked === undefined) {
      const checking = ensureLayout(redis, this.prefix, this.closed).then((migration) => {
        if (migration.migrated) this.onMigrated?.(migration);
      });
      this.checked = checking;
      checking.catch(() => {
        if (this.checked === checking) this.checked = undefined;
      });
    }
    return this.checked;
  }

  /**
   * For the engine's ready(): passes, trying again while Redis is out of reach. Any other failure
   * (Redis refused a command) is not going to pass by waiting and is thrown.
   */
  async untilPassed(): Promise<void> {
    for (;;) {
      try {
        return await this.pass();
      } catch (error) {
        if (this.closed() || !(storageError(error) instanceof StorageUnavailableError)) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
        await whenReady(this.redis);
      }
    }
  }
}
