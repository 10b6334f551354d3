import { createInterface } from 'node:readline';
import { plainLine, status } from './format.js';
import type { ChatSession, StartIntent } from './session.js';

export interface LineModeStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
}

/**
 * The front end for scripts and pipes: every line read is said (or run, when it is a command), and
 * everything that happens is written as one line. Others' messages and system messages go to
 * standard output; notices too, prefixed `-- `; errors go to standard error. End of input quits,
 * after everything read before it has been sent. Resolves with the exit status.
 */
export function runLineMode(session: ChatSession, intent: StartIntent, io: LineModeStreams): Promise<number> {
  const print = (text: string) => io.output.write(`${text}\n`);
  let lastStatus = status(session.snapshot).text;
  print(`-- ${lastStatus}`);
  const finished = new Promise<number>((resolve) => {
    session.subscribe((event) => {
      switch (event.type) {
        case 'line':
          // One's own messages came from this input; echoing them would only duplicate it.
          if (event.line.kind === 'message' && event.line.own) return;
          if (event.line.kind === 'error') io.errors.write(`${plainLine(event.line)}\n`);
          else print(plainLine(event.line));
          return;
        case 'history':
          print('-- earlier messages:');
          for (const line of event.lines) print(plainLine(line));
          print('-- end of earlier messages');
          return;
        case 'state': {
          const text = status(event.state).text;
          if (text !== lastStatus && event.state.connection !== 'closed') print(`-- ${text}`);
          lastStatus = text;
          return;
        }
        case 'closed':
          if (event.error) io.errors.write(`error: ${event.error}\n`);
          resolve(event.error ? 1 : 0);
      }
    });
  });
  session.start(intent);
  const lines = createInterface({ input: io.input, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  lines.on('line', (line) => void session.submit(line));
  lines.on('close', () => void session.submit('/quit'));
  return finished.finally(() => lines.close());
}
