import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';

export const DEFAULT_URL = 'http://127.0.0.1:8000/mcp';

/** What `mcp-chat chat` was asked to do: where to connect, as whom, and where to go first. */
export interface ChatOptions {
  url: URL;
  displayName: string;
  /** Join this room at start; without it, enter the random queue. */
  room: string | undefined;
  capacity: number | undefined;
  /** Resume an identity from an earlier run instead of creating a new one. */
  clientId: string | undefined;
  /** Bearer token for a server with access control (--token, else MCP_CHAT_TOKEN). */
  token: string | undefined;
}

export class ChatUsageError extends Error {
  override name = 'ChatUsageError';
}

export function chatHelp(): string {
  return [
    'Usage: mcp-chat chat [options]',
    '',
    'Chats from a terminal through an MCP Chat server: a full-screen interface when standard input',
    'and output are a terminal, plain lines otherwise (for scripts and pipes).',
    '',
    `  --url URL          The server's MCP endpoint (default ${DEFAULT_URL}).`,
    '  --name NAME        Your display name (default: your login name).',
    '  --room ROOM        Join this room; without it you enter the random queue.',
    '  --capacity N       Room size when --room creates the room (default 2).',
    '  --client-id ID     Come back as the identity shown by "/status id" in an earlier run.',
    '  --token TOKEN      Access token for a server with access control (default $MCP_CHAT_TOKEN).',
    '  --help             Show this help.',
    '',
    'In the chat, type /help for the commands.',
  ].join('\n');
}

/** Parses the flags of `mcp-chat chat`; throws ChatUsageError with a sentence for the person. */
export function parseChatOptions(argv: readonly string[], env: NodeJS.ProcessEnv): ChatOptions {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        name: { type: 'string' },
        room: { type: 'string' },
        capacity: { type: 'string' },
        'client-id': { type: 'string' },
        token: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ChatUsageError((error as Error).message);
  }
  let url: URL;
  try {
    url = new URL(values.url ?? DEFAULT_URL);
  } catch {
    throw new ChatUsageError(`--url must be a URL such as ${DEFAULT_URL}; got "${values.url}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ChatUsageError(`--url must start with http:// or https://; got "${values.url}".`);
  }
  const capacity = values.capacity === undefined ? undefined : parseCapacity(values.capacity);
  if (capacity !== undefined && values.room === undefined) {
    throw new ChatUsageError('--capacity applies to a room: give --room too.');
  }
  return {
    url,
    displayName: values.name?.trim() || defaultName(env),
    room: values.room,
    capacity,
    clientId: values['client-id'],
    token: values.token?.trim() || env.MCP_CHAT_TOKEN?.trim() || undefined,
  };
}

/** A whole number of at least 2; the server checks the upper limit, which it configures. */
export function parseCapacity(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 2) {
    throw new ChatUsageError(`The capacity must be a whole number of at least 2; got "${text}".`);
  }
  return value;
}

function defaultName(env: NodeJS.ProcessEnv): string {
  const login = (env.USER ?? env.USERNAME ?? env.LOGNAME ?? '').trim();
  return login !== '' ? login : `guest-${randomInt(1000, 10_000)}`;
}
