import { Text, useInput } from 'ink';
import { useRef, useState } from 'react';
import { edit, emptyEditor } from './editor.js';

interface Props {
  width: number;
  onSubmit(line: string): void;
  onQuit(): void;
}

const PROMPT = '> ';

/** The line the person types into, with a visible cursor and Up/Down history. */
export function InputLine({ width, onSubmit, onQuit }: Props) {
  // The ref is the truth, so keys arriving in one batch (a paste, fast typing) each see the
  // previous key's result; the state copy only asks React to draw it.
  const editor = useRef(emptyEditor);
  const [state, setState] = useState(emptyEditor);

  useInput((input, key) => {
    // Raw mode turns Ctrl+C and Ctrl+D into keys; they quit, as they would in a shell.
    if (key.ctrl && (input === 'c' || (input === 'd' && editor.current.chars.length === 0))) {
      onQuit();
      return;
    }
    if (key.pageUp || key.pageDown) return;
    const result = edit(editor.current, input, key);
    editor.current = result.state;
    setState(result.state);
    for (const line of result.submitted) onSubmit(line);
  });

  if (state.chars.length === 0) {
    return (
      <Text wrap="truncate">
        {PROMPT}
        <Text inverse> </Text>
        <Text dimColor> Type a message, or /help</Text>
      </Text>
    );
  }
  // On a line longer than the screen, show the part around the cursor.
  const room = Math.max(1, width - PROMPT.length - 1);
  const start = Math.max(0, state.cursor - room + 1);
  const shown = state.chars.slice(start, start + room);
  const at = state.cursor - start;
  return (
    <Text wrap="truncate">
      {PROMPT}
      {shown.slice(0, at).join('')}
      <Text inverse>{shown[at] ?? ' '}</Text>
      {shown.slice(at + 1).join('')}
    </Text>
  );
}
