import { render } from 'ink';
import type { ChatSession, StartIntent } from '../session.js';
import { App } from './app.js';

const ALTERNATE_SCREEN = '\u001b[?1049h\u001b[H';
const MAIN_SCREEN = '\u001b[?1049l';

/** Runs the full-screen interface until the session closes; resolves with the exit status. */
export async function runTui(session: ChatSession, intent: StartIntent): Promise<number> {
  const closed = new Promise<string | undefined>((resolve) => {
    session.subscribe((event) => {
      if (event.type === 'closed') resolve(event.error);
    });
  });
  // The alternate screen keeps the shell's scrollback as it was once the chat is over.
  process.stdout.write(ALTERNATE_SCREEN);
  const ink = render(<App session={session} />, { exitOnCtrlC: false, patchConsole: false });
  let error: string | undefined;
  try {
    session.start(intent);
    error = await closed;
  } finally {
    ink.unmount();
    process.stdout.write(MAIN_SCREEN);
  }
  if (error) process.stderr.write(`mcp-chat: ${error}\n`);
  return error ? 1 : 0;
}
