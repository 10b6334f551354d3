import { Client, SdkHttpError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { VERSION } from '../version.js';

type Notification = { method: string; params?: Record<string, unknown> };

export interface RemoteOptions {
  server: URL;
  token: string | undefined;
  logger: Logger;
  /** Every notification the server sends (push, channel events, logging). */
  onNotification: (notification: Notification) => void;
}

export interface CallOptions {
  signal: AbortSignal;
  timeout: number;
  onprogress: (progress: { progress: number; total?: number; message?: string }) => void;
}

/**
 * The relay's link to an MCP Chat server: one 2025-era session of the official client, whose GET
 * stream brings push. A server that lost the session (a restart: it answers 404) gets a new one
 * at once, and the call that met the 404 is sent again, since the server refused it unread.
 * Participants are bound to the new session again by their next call, as with any client.
 */
export class RemoteChat {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  tools: Tool[] = [];
  instructions: string | undefined;
  sendsChannelEvents = false;

  constructor(private readonly options: RemoteOptions) {}

  /** Connects (or reconnects); rejects with a sentence naming the server when it cannot. */
  async connect(): Promise<Client> {
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  async call(params: { name: string; arguments: Record<string, unknown> }, options: CallOptions) {
    const client = this.client ?? (await this.connect());
    try {
      return (await client.callTool(params, { ...options, resetTimeoutOnProgress: true })) as CallToolResult;
    } catch (error) {
      if (!(error instanceof SdkHttpError && error.status === 404) || options.signal.aborted) throw error;
      this.options.logger.info('the server lost this session (restarted?); opening a new one');
      if (this.client === client) this.client = undefined;
      const fresh = await this.connect();
      return (await fresh.callTool(params, { ...options, resetTimeoutOnProgress: true })) as CallToolResult;
    }
  }

  async close(): Promise<void> {
    await this.client?.close().catch(() => {});
    this.client = undefined;
  }

  private async open(): Promise<Client> {
    const { server, token, onNotification } = this.options;
    const client = new Client({ name: 'mcp-chat-stdio', version: VERSION });
    const transport = new StreamableHTTPClientTransport(server, {
      requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : undefined,
    });
    client.fallbackNotificationHandler = async (notification) => onNotification(notification as Notification);
    client.setNotificationHandler('notifications/message', async (notification) =>
      onNotification(notification as Notification),
    );
    try {
      await client.connect(transport);
      this.tools = (await client.listTools()).tools;
    } catch (error) {
      await client.close().catch(() => {});
      throw new Error(
        `Could not connect to the MCP Chat server at ${server.href}: ${(error as Error).message}`,
      );
    }
    this.instructions = client.getInstructions();
    this.sendsChannelEvents = client.getServerCapabilities()?.experimental?.['claude/channel'] !== undefined;
    const previous = this.client;
    this.client = client;
    await previous?.close().catch(() => {});
    return client;
  }
}
