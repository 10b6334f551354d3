import type { ChatService } from './service.js';

/** How often presence is checked: the contract allows 5 s between the timeout and the leave. */
const SWEEP_EVERY_MS = 1000;

/**
 * Runs `ChatService.sweepIdle` on a timer, one round at a time. A failed round (storage away)
 * is reported and the next one tries again.
 */
export class PresenceSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly chat: ChatService,
    private readonly report: { removed(userIds: string[]): void; failed(error: unknown): void },
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.round().finally(() => {
        this.running = undefined;
      });
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async round(): Promise<void> {
    try {
      const removed = await this.chat.sweepIdle();
      if (removed.length > 0) this.report.removed(removed);
    } catch (error) {
      this.report.failed(error);
    }
  }
}
