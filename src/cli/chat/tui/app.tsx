import { Box, Text, useInput, useStdout } from 'ink';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { sanitize, status, type Tone } from '../format.js';
import type { ChatLine, ChatSession, SessionState } from '../session.js';
import { InputLine } from './input-line.js';
import { MessageLine } from './message-line.js';

interface Entry {
  id: number;
  line: ChatLine;
}

const TONE_COLOUR: Record<Tone, string> = { good: 'green', waiting: 'yellow', bad: 'red' };
/** Header, status line and input line; the message area gets the rest. */
const CHROME_ROWS = 3;

/** The full-screen chat: header, scrollable messages, status line, input line. */
export function App({ session }: { session: ChatSession }) {
  const { columns, rows } = useTerminalSize();
  const [state, setState] = useState<SessionState>(session.snapshot);
  const [entries, setEntries] = useState<Entry[]>([]);
  // Index just past the last entry shown while scrolled back; undefined follows the newest.
  const [scrolledTo, setScrolledTo] = useState<number | undefined>(undefined);
  // Ink redraws the whole screen on every change once its output fills the terminal; one row less avoids that.
  const height = Math.max(CHROME_ROWS + 1, rows - 1);
  const messageRows = height - CHROME_ROWS;
  const pageRows = useRef(messageRows);
  pageRows.current = messageRows;
  // The listener is the only writer; it keeps the list in a ref so that it reads what it wrote.
  const log = useRef<Entry[]>([]);
  const nextId = useRef(0);

  // A layout effect subscribes during the first commit, before the session (started right after
  // the first render) can say anything.
  useLayoutEffect(
    () =>
      session.subscribe((event) => {
        if (event.type === 'state') setState(event.state);
        if (event.type === 'line') {
          log.current = [...log.current, { id: nextId.current++, line: event.line }];
          setEntries(log.current);
        }
        if (event.type === 'history') {
          const earlier = event.lines.map((line) => ({ id: nextId.current++, line }));
          log.current = [...earlier, ...log.current];
          setEntries(log.current);
          // Show what was just loaded, from the top, unless everything fits anyway.
          setScrolledTo(log.current.length > pageRows.current ? pageRows.current : undefined);
        }
      }),
    [session],
  );

  useInput((_input, key) => {
    if (entries.length <= messageRows) return;
    const step = Math.max(1, messageRows - 1);
    if (key.pageUp) setScrolledTo((at) => Math.max(messageRows, (at ?? entries.length) - step));
    if (key.pageDown)
      setScrolledTo((at) => (at === undefined || at + step >= entries.length ? undefined : at + step));
  });

  const end = scrolledTo ?? entries.length;
  const visible = entries.slice(Math.max(0, end - messageRows), end);
  const where =
    state.place.kind === 'room'
      ? `room ${state.place.roomId}`
      : state.place.kind === 'queued'
        ? 'random queue'
        : 'no room';
  const { text, tone } = status(state);
  return (
    <Box flexDirection="column" width={columns} height={height}>
      <Text inverse wrap="truncate">
        {` MCP Chat · ${state.url} · ${where} · ${sanitize(state.displayName)} `.padEnd(columns)}
      </Text>
      <Box flexDirection="column" flexGrow={1} justifyContent="flex-end" overflow="hidden">
        {visible.map((entry) => (
          <MessageLine key={entry.id} line={entry.line} />
        ))}
      </Box>
      <Text wrap="truncate" color={TONE_COLOUR[tone]}>
        {`● ${text}`}
        {scrolledTo !== undefined ? <Text color="white"> (scrolled back: PgDn for newer)</Text> : null}
      </Text>
      <InputLine
        width={columns}
        onSubmit={(line) => {
          setScrolledTo(undefined);
          void session.submit(line);
        }}
        onQuit={() => void session.close()}
      />
    </Box>
  );
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = () => setSize(sizeOf(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

function sizeOf(stdout: NodeJS.WriteStream): { columns: number; rows: number } {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}
