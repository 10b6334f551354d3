import { describe, expect, it } from 'vitest';
import { parseInput } from '../src/cli/chat/commands.js';
import {
  type EditorState,
  edit,
  editorText,
  emptyEditor,
  type KeyPress,
} from '../src/cli/chat/tui/editor.js';

// What a typed line means, and how the input line edits: pure functions, checked directly.

describe('parseInput', () => {
  it('tells messages from commands', () => {
    expect(parseInput('hello there')).toEqual({ kind: 'say', text: 'hello there' });
    expect(parseInput('//not a command')).toEqual({ kind: 'say', text: '/not a command' });
    expect(parseInput('   ')).toEqual({ kind: 'empty' });
    expect(parseInput('/enter')).toEqual({ kind: 'enter', name: undefined, interests: undefined });
    expect(parseInput('/enter Ann Smith')).toEqual({
      kind: 'enter',
      name: 'Ann Smith',
      interests: undefined,
    });
    expect(parseInput('/enter --interests chess, Go Ann')).toEqual({
      kind: 'enter',
      name: 'Go Ann',
      interests: ['chess'],
    });
    expect(parseInput('/enter Ann --interests=chess,go')).toEqual({
      kind: 'enter',
      name: 'Ann',
      interests: ['chess', 'go'],
    });
    expect(parseInput('/block Bob')).toEqual({ kind: 'safety', action: 'block', target: 'Bob', reason: '' });
    expect(parseInput('/report Bob keeps insulting me')).toEqual({
      kind: 'safety',
      action: 'report',
      target: 'Bob',
      reason: 'keeps insulting me',
    });
    expect(parseInput('/report Bob')).toMatchObject({ kind: 'invalid' });
    expect(parseInput('/unblock')).toMatchObject({ kind: 'invalid' });
    expect(parseInput('/JOIN lobby 5')).toEqual({ kind: 'join', room: 'lobby', capacity: 5 });
    expect(parseInput('/join lobby')).toEqual({ kind: 'join', room: 'lobby', capacity: undefined });
    expect(parseInput('/status id')).toEqual({ kind: 'status', showId: true });
    expect(parseInput('/quit')).toEqual({ kind: 'quit' });
  });

  it('explains what it cannot use', () => {
    expect(parseInput('/join')).toMatchObject({
      kind: 'invalid',
      error: expect.stringMatching(/^Usage: \/join/),
    });
    expect(parseInput('/join lobby one')).toEqual({
      kind: 'invalid',
      error: 'The capacity must be a whole number of at least 2; got "one".',
    });
    expect(parseInput('/leave now')).toEqual({ kind: 'invalid', error: '/leave takes no arguments.' });
    expect(parseInput('/teleport')).toEqual({
      kind: 'invalid',
      error: 'Unknown command /teleport. Type /help for the list.',
    });
  });
});

const NO_KEY: KeyPress = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  home: false,
  end: false,
  return: false,
  backspace: false,
  delete: false,
  ctrl: false,
  meta: false,
  tab: false,
  escape: false,
};

/** Feeds keys: a string is typed text, an object is a special key. */
function keys(...presses: (string | Partial<KeyPress>)[]): { state: EditorState; submitted: string[] } {
  let state = emptyEditor;
  const submitted: string[] = [];
  for (const press of presses) {
    const result =
      typeof press === 'string' ? edit(state, press, NO_KEY) : edit(state, '', { ...NO_KEY, ...press });
    state = result.state;
    submitted.push(...result.submitted);
  }
  return { state, submitted };
}

describe('the input line', () => {
  it('edits at the cursor', () => {
    const { state } = keys('helo', { leftArrow: true }, 'l', { end: true }, '!', { delete: true }, '?');
    expect(editorText(state)).toBe('hello?');
    expect(state.cursor).toBe(6);
  });

  it('submits on Enter, also when Enter arrives in the same chunk as the text', () => {
    expect(keys('one', { return: true }).submitted).toEqual(['one']);
    expect(keys('one\rtwo\r\nthree').submitted).toEqual(['one', 'two']);
    expect(editorText(keys('one\rtwo\r\nthree').state)).toBe('three');
    expect(keys('   ', { return: true }).submitted).toEqual([]);
  });

  it('recalls earlier lines with Up and Down, and restores the draft', () => {
    const typed = keys('first', { return: true }, 'second', { return: true }, 'draft');
    expect(editorText(typed.state)).toBe('draft');
    let state = edit(typed.state, '', { ...NO_KEY, upArrow: true }).state;
    expect(editorText(state)).toBe('second');
    state = edit(state, '', { ...NO_KEY, upArrow: true }).state;
    expect(editorText(state)).toBe('first');
    state = edit(state, '', { ...NO_KEY, upArrow: true }).state;
    expect(editorText(state)).toBe('first');
    state = edit(state, '', { ...NO_KEY, downArrow: true }).state;
    state = edit(state, '', { ...NO_KEY, downArrow: true }).state;
    expect(editorText(state)).toBe('draft');
  });

  it('keeps control characters out of the line', () => {
    expect(editorText(keys('a\u001b[31mb\u0007c').state)).toBe('a[31mbc');
  });
});
