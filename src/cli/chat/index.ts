import { linkOpener } from './connection.js';
import { runLineMode } from './line-mode.js';
import { chatHelp, parseChatOptions } from './options.js';
import { ChatSession } from './session.js';

/** `mcp-chat chat`: resolves with the exit status. Throws ChatUsageError for bad flags. */
export async function runChat(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(chatHelp());
    return 0;
  }
  const options = parseChatOptions(argv, process.env);
  const session = new ChatSession({
    url: options.url,
    displayName: options.displayName,
    open: linkOpener(options.token),
  });
  const intent = { room: options.room, capacity: options.capacity, clientId: options.clientId };
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    process.once(signal, () => void session.close());
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    return runLineMode(session, intent, {
      input: process.stdin,
      output: process.stdout,
      errors: process.stderr,
    });
  }
  // Ink draws only a final frame when it believes it runs in CI (CI=true and the like); both ends
  // are a terminal here, so a person is watching. It reads the variables when it is loaded.
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const { runTui } = await import('./tui/run.js');
  return runTui(session, intent);
}
