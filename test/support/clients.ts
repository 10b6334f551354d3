import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as Client2025 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as Transport2025 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';

/** The eras a test can speak: the v2 client pinned to 2026-07-28, the v2 client's 2025 handshake, the 1.x SDK. */
export type Era = 'modern' | 'legacy' | 'sdk1';

export interface ChatClient {
  era: Era;
  /** Calls a tool and returns its structuredContent, failing the test if the call is an error. */
  call(name: string, args?: Record<string, unknown>, options?: CallOptions): Promise<Record<string, unknown>>;
  /** Calls a tool that must fail, and returns its error object (`error`, `code`, ...). */
  fail(name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The raw result, for checks on content blocks. */
  raw(name: string, args?: Record<string, unknown>, options?: CallOptions): Promise<RawResult>;
  close(): Promise<void>;
  sessionId(): string | undefined;
  /** Every notification the client received that no built-in handler consumed, in order. */
  notifications: ReceivedNotification[];
  setLoggingLevel(level: 'debug' | 'info' | 'notice' | 'warning' | 'error'): Promise<void>;
}

export interface ReceivedNotification {
  method: string;
  params?: Record<string, unknown>;
  /** Date.now() when it arrived. */
  at: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeout?: number;
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
  resetTimeoutOnProgress?: boolean;
}

export interface RawResult {
  content?: unknown;
  structuredContent?: unknown;
  isError?: boolean;
}

export async function connect(url: URL, era: Era, name = `test-${era}`): Promise<ChatClient> {
  const notifications: ReceivedNotification[] = [];
  const record = async (notification: { method: string; params?: Record<string, unknown> }) => {
    notifications.push({ method: notification.method, params: notification.params, at: Date.now() });
  };
  if (era === 'sdk1') {
    const client = new Client2025({ name, version: '1.0.0' });
    client.fallbackNotificationHandler = record;
    // Spec notifications never reach the fallback handler: logging needs its own.
    client.setNotificationHandler(LoggingMessageNotificationSchema, record);
    const transport = new Transport2025(url);
    await client.connect(transport);
    return wrap(era, (params, options) => client.callTool(params, undefined, options) as Promise<RawResult>, {
      close: () => client.close(),
      sessionId: () => transport.sessionId,
      notifications,
      setLoggingLevel: async (level) => {
        await client.setLoggingLevel(level);
      },
    });
  }
  const client = new Client(
    { name, version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  client.fallbackNotificationHandler = record;
  client.setNotificationHandler('notifications/message', record);
  const transport = new StreamableHTTPClientTransport(url);
  await client.connect(transport);
  return wrap(era, (params, options) => client.callTool(params, options) as Promise<RawResult>, {
    close: () => client.close(),
    sessionId: () => transport.sessionId,
    notifications,
    setLoggingLevel: async (level) => {
      await client.setLoggingLevel(level);
    },
  });
}

type Caller = (
  params: { name: string; arguments: Record<string, unknown> },
  options?: CallOptions,
) => Promise<RawResult>;

export function wrap(
  era: Era,
  callTool: Caller,
  lifecycle: Pick<ChatClient, 'close' | 'sessionId' | 'notifications' | 'setLoggingLevel'>,
): ChatClient {
  const raw = (name: string, args: Record<string, unknown> = {}, options?: CallOptions) =>
    callTool({ name, arguments: args }, options);
  return {
    era,
    raw,
    async call(name, args, options) {
      const result = await raw(name, args, options);
      if (result.isError)
        throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent ?? result.content)}`);
      expectBothForms(result);
      return result.structuredContent as Record<string, unknown>;
    },
    async fail(name, args) {
      const result = await raw(name, args);
      expect(result.isError, `${name} should fail: ${JSON.stringify(result.structuredContent)}`).toBe(true);
      expectBothForms(result);
      return result.structuredContent as Record<string, unknown>;
    },
    ...lifecycle,
  };
}

/** The contract: every result carries its object as structuredContent and as one text block of the same JSON. */
function expectBothForms(result: RawResult): void {
  const content = result.content as { type: string; text: string }[];
  expect(content).toHaveLength(1);
  expect(content[0]?.type).toBe('text');
  expect(JSON.parse(content[0]?.text ?? 'null')).toEqual(result.structuredContent);
}
