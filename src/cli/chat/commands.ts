import { ChatUsageError, parseCapacity } from './options.js';
import { parseEnter, parseSafety, type SafetyInput } from './safety-commands.js';

/** One line the person typed, understood: something to say, or a command. */
export type Input =
  | { kind: 'say'; text: string }
  | { kind: 'enter'; name: string | undefined; interests?: string[] }
  | SafetyInput
  | { kind: 'join'; room: string; capacity: number | undefined }
  | { kind: 'leave' }
  | { kind: 'next' }
  | { kind: 'history' }
  | { kind: 'reply'; seq: number; text: string }
  | { kind: 'rooms'; query: string | undefined }
  | { kind: 'search'; query: string }
  | { kind: 'status'; showId: boolean }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'empty' }
  | { kind: 'invalid'; error: string };

export const COMMAND_HELP: readonly (readonly [string, string])[] = [
  [
    '/enter [--interests a,b] [name]',
    'Meet a random partner (leaves the current room first), first someone who shares an interest; optionally change your name.',
  ],
  ['/join ROOM [capacity]', 'Create or join a named room (leaves the current room first).'],
  ['/leave', 'Leave the current room, or stop waiting in the queue.'],
  ['/next', 'Leave the current room and meet a new random partner (with the same interests).'],
  [
    '/block NAME',
    'Never be matched with NAME again and stop seeing their messages (/unblock NAME undoes it).',
  ],
  ['/report NAME what happened', 'Report NAME to the operator, with their messages in this room.'],
  ['/history', 'Load earlier messages of this room.'],
  ['/reply SEQ text', 'Answer message #SEQ of this room (the number before the sender).'],
  ['/rooms [words]', 'List public rooms with people in them, optionally only those matching the words.'],
  ['/search words', 'Search what was said in your rooms (use "quotes" for a phrase).'],
  ['/status', 'Show who you are, where you are and unread counts ("/status id" adds your secret id).'],
  ['/help', 'Show this list.'],
  ['/quit', 'Leave the room and exit (Ctrl+C too).'],
  ['//text', 'Send text that starts with a slash.'],
];

export function parseInput(line: string): Input {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (!trimmed.startsWith('/')) return { kind: 'say', text: line };
  if (trimmed.startsWith('//')) return { kind: 'say', text: line.trimStart().slice(1) };
  const [word = '', ...args] = trimmed.split(/\s+/);
  const command = word.toLowerCase();
  const noArguments = (input: Input): Input =>
    args.length === 0 ? input : { kind: 'invalid', error: `${command} takes no arguments.` };
  switch (command) {
    case '/enter':
      return parseEnter(args);
    case '/block':
    case '/unblock':
    case '/report':
      return parseSafety(command.slice(1) as SafetyInput['action'], args);
    case '/join':
      return parseJoin(args);
    case '/leave':
      return noArguments({ kind: 'leave' });
    case '/next':
      return noArguments({ kind: 'next' });
    case '/history':
      return noArguments({ kind: 'history' });
    case '/reply':
      return parseReply(trimmed);
    case '/rooms':
      return { kind: 'rooms', query: args.length > 0 ? args.join(' ') : undefined };
    case '/search':
      return args.length > 0
        ? { kind: 'search', query: args.join(' ') }
        : { kind: 'invalid', error: 'Usage: /search words, for example /search meeting "next week".' };
    case '/status':
      if (args.length === 0) return { kind: 'status', showId: false };
      if (args.length === 1 && args[0] === 'id') return { kind: 'status', showId: true };
      return { kind: 'invalid', error: 'Usage: /status, or /status id to also show your secret client id.' };
    case '/help':
      return { kind: 'help' };
    case '/quit':
    case '/exit':
      return { kind: 'quit' };
    default:
      return { kind: 'invalid', error: `Unknown command ${word}. Type /help for the list.` };
  }
}

function parseReply(line: string): Input {
  const match = /^\/reply\s+#?(\d+)\s+(\S[\s\S]*)$/i.exec(line);
  if (!match)
    return { kind: 'invalid', error: 'Usage: /reply SEQ text, for example /reply 12 yes, see you there.' };
  return { kind: 'reply', seq: Number(match[1]), text: match[2] ?? '' };
}

function parseJoin(args: string[]): Input {
  const [room, capacity, ...rest] = args;
  if (room === undefined || rest.length > 0) {
    return {
      kind: 'invalid',
      error: 'Usage: /join ROOM [capacity], for example /join lobby or /join team 5.',
    };
  }
  if (capacity === undefined) return { kind: 'join', room, capacity: undefined };
  try {
    return { kind: 'join', room, capacity: parseCapacity(capacity) };
  } catch (error) {
    if (error instanceof ChatUsageError) return { kind: 'invalid', error: error.message };
    throw error;
  }
}
