import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { until } from './poll.js';

const run = promisify(execFile);

/** True when tmux can be run; CI must have it (.ci/run installs it), so there a missing tmux fails. */
export async function haveTmux(): Promise<boolean> {
  try {
    await run('tmux', ['-V']);
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('tmux is required in CI: apt-get install -y tmux');
    return false;
  }
}

/**
 * A program in a real pseudo-terminal: a detached tmux session on a tmux server of its own, so
 * that tests never touch a person's tmux.
 */
export class TmuxScreen {
  private readonly socket = `mcp-chat-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  private socketPath = '';

  private constructor(private readonly session: string) {}

  static async start(command: string, options: { cwd: string; columns?: number; rows?: number }) {
    const screen = new TmuxScreen('chat');
    await screen.tmux(
      'new-session',
      '-d',
      '-s',
      screen.session,
      '-x',
      String(options.columns ?? 100),
      '-y',
      String(options.rows ?? 30),
      '-c',
      options.cwd,
      command,
    );
    screen.socketPath = (await screen.tmux('display-message', '-p', '#{socket_path}')).stdout.trim();
    return screen;
  }

  /** Keys as tmux names them: literal text with `-l`, or names such as Enter, Up, PageUp. */
  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', this.session, '-l', text);
  }

  async press(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', this.session, ...keys);
  }

  async text(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-t', this.session)).stdout;
  }

  /** The screen with its colours, as SGR escape sequences. */
  async coloured(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-e', '-t', this.session)).stdout;
  }

  /** Waits until the screen shows `pattern`, and returns the screen. */
  async shows(pattern: RegExp): Promise<string> {
    let last = '';
    return until(
      async () => {
        last = await this.text().catch(() => last);
        return pattern.test(last) ? last : undefined;
      },
      () => `the screen to show ${pattern}; it shows:\n${last}`,
    );
  }

  async dispose(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
    // tmux leaves its socket file behind when killed.
    if (this.socketPath !== '') await rm(this.socketPath, { force: true });
  }

  private tmux(...args: string[]) {
    return run('tmux', ['-L', this.socket, ...args]);
  }
}
