import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI, ROOT } from './cli.js';
import type { ChatClient, Era, RawResult, ReceivedNotification } from './clients.js';
import { wrap } from './clients.js';

export interface StdioChat extends ChatClient {
  /** The pid of the `mcp-chat stdio` process the client started. */
  pid: number;
  /** What the process wrote to stderr (its logs). */
  stderr(): string;
  /** The capabilities the server declared. */
  capabilities(): Record<string, unknown> | undefined;
}

/**
 * `mcp-chat stdio ARGS` started by the official SDK's stdio client transport, the way Claude Code
 * and Claude Desktop start a server: a child process speaking MCP on its stdin and stdout.
 */
export async function startStdio(
  args: string[],
  env: Record<string, string>,
  era: Exclude<Era, 'sdk1'> = 'legacy',
): Promise<StdioChat> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...CLI, 'stdio', ...args],
    cwd: ROOT,
    env: { ...getDefaultEnvironment(), MCP_CHAT_LOG_LEVEL: 'info', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const notifications: ReceivedNotification[] = [];
  const record = async (notification: { method: string; params?: Record<string, unknown> }) => {
    notifications.push({ method: notification.method, params: notification.params, at: Date.now() });
  };
  const client = new Client(
    { name: `stdio-test-${era}`, version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  client.fallbackNotificationHandler = record;
  client.setNotificationHandler('notifications/message', record);
  await client.connect(transport).catch((error: unknown) => {
    throw new Error(`mcp-chat stdio did not start: ${(error as Error).message}\n${stderr}`);
  });
  const pid = transport.pid ?? 0;
  const chat = wrap(era, (params, options) => client.callTool(params, options) as Promise<RawResult>, {
    close: () => client.close(),
    sessionId: () => undefined,
    notifications,
    setLoggingLevel: async (level) => {
      await client.setLoggingLevel(level);
    },
  });
  return {
    ...chat,
    pid,
    stderr: () => stderr,
    capabilities: () => client.getServerCapabilities() as Record<string, unknown> | undefined,
  };
}
