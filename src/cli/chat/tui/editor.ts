/**
 * The input line's editing rules, as a pure function of (state, key): typing, moving, deleting,
 * and recalling earlier lines with Up/Down the way a shell does.
 */

export interface EditorState {
  /** The line, one entry per code point, so the cursor never splits an emoji. */
  chars: string[];
  cursor: number;
  /** Lines submitted before, oldest first. */
  history: string[];
  /** Which history entry is shown, while browsing with Up/Down. */
  browsing: number | undefined;
  /** What was being typed before browsing started, restored when Down goes past the newest. */
  draft: string[];
}

/** The parts of Ink's key description the editor reads. */
export interface KeyPress {
  upArrow: boolean;
  downArrow: boolean;
  leftArrow: boolean;
  rightArrow: boolean;
  home: boolean;
  end: boolean;
  return: boolean;
  backspace: boolean;
  delete: boolean;
  ctrl: boolean;
  meta: boolean;
  tab: boolean;
  escape: boolean;
}

const HISTORY_LIMIT = 200;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

export const emptyEditor: EditorState = { chars: [], cursor: 0, history: [], browsing: undefined, draft: [] };

export function editorText(state: EditorState): string {
  return state.chars.join('');
}

/** Applies one key (or one chunk of typed text); `submitted` holds the lines that Enter sent. */
export function edit(
  state: EditorState,
  input: string,
  key: KeyPress,
): { state: EditorState; submitted: string[] } {
  const { chars, cursor } = state;
  const only = (next: EditorState) => ({ state: next, submitted: [] });
  if (key.return) return submit(state);
  if (key.upArrow || key.downArrow) return only(browse(state, key.upArrow ? -1 : 1));
  if (key.leftArrow) return only({ ...state, cursor: Math.max(0, cursor - 1) });
  if (key.rightArrow) return only({ ...state, cursor: Math.min(chars.length, cursor + 1) });
  if (key.home || (key.ctrl && input === 'a')) return only({ ...state, cursor: 0 });
  if (key.end || (key.ctrl && input === 'e')) return only({ ...state, cursor: chars.length });
  if (key.ctrl && input === 'u') return only(typed(state, chars.slice(cursor), 0));
  if (key.ctrl && input === 'k') return only(typed(state, chars.slice(0, cursor), cursor));
  // Most terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`: both erase backwards.
  if (key.backspace || key.delete) {
    if (cursor === 0) return only(state);
    return only(typed(state, [...chars.slice(0, cursor - 1), ...chars.slice(cursor)], cursor - 1));
  }
  if (key.ctrl || key.meta || key.tab || key.escape) return only(state);
  // Text typed faster than it is read, or pasted, arrives as one chunk: each line break in it is an Enter.
  const [first = '', ...rest] = input.split(/\r\n|\r|\n/);
  let next = insert(state, first);
  const submitted: string[] = [];
  for (const part of rest) {
    const sent = submit(next);
    submitted.push(...sent.submitted);
    next = insert(sent.state, part);
  }
  return { state: next, submitted };
}

function insert(state: EditorState, text: string): EditorState {
  const inserted = [...text.replace(/\t/g, ' ').replace(CONTROLS, '')];
  if (inserted.length === 0) return state;
  const { chars, cursor } = state;
  return typed(
    state,
    [...chars.slice(0, cursor), ...inserted, ...chars.slice(cursor)],
    cursor + inserted.length,
  );
}

function submit(state: EditorState): { state: EditorState; submitted: string[] } {
  const line = editorText(state);
  if (line.trim() === '')
    return { state: { ...state, chars: [], cursor: 0, browsing: undefined }, submitted: [] };
  const history =
    state.history.at(-1) === line ? state.history : [...state.history, line].slice(-HISTORY_LIMIT);
  return { state: { ...emptyEditor, history }, submitted: [line] };
}

/** An edit ends browsing: the recalled line becomes the line being typed. */
function typed(state: EditorState, chars: string[], cursor: number): EditorState {
  return { ...state, chars, cursor, browsing: undefined };
}

function browse(state: EditorState, step: -1 | 1): EditorState {
  const { history } = state;
  if (history.length === 0) return state;
  const from = state.browsing ?? history.length;
  const to = Math.min(history.length, Math.max(0, from + step));
  if (to === from) return state;
  const draft = state.browsing === undefined ? state.chars : state.draft;
  const chars = to === history.length ? draft : [...(history[to] ?? '')];
  return { ...state, chars, cursor: chars.length, browsing: to === history.length ? undefined : to, draft };
}
