import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  AuthRequiredError,
  type CallOptions,
  ConnectionError,
  type Json,
  resultObject,
  type ToolCaller,
  ToolError,
} from '../tool-caller.js';

export interface PushNotification {
  method: string;
  params: Json;
}

/** Longest a call may take: the longest wait the page parks (25 s) plus slack. */
const CALL_TIMEOUT_MS = 45_000;

/**
 * The page's MCP client: the official SDK over Streamable HTTP to `/mcp` on this origin, in the
 * 2026-07-28 era (stateless: a server restart costs nothing but the calls in flight). A bearer
 * token, when the server asks for one, rides every request.
 */
export class McpConnection implements ToolCaller {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private lastStatus = 0;
  private token: string | undefined;
  private readonly onPush: (push: PushNotification) => void;
  private readonly endpoint: URL;
  private toolNames: Map<string, Set<string>> | undefined;

  constructor(endpoint: URL, onPush: (push: PushNotification) => void, token?: string) {
    this.endpoint = endpoint;
    this.onPush = onPush;
    this.token = token;
  }

  setToken(token: string | undefined): void {
    this.token = token;
    this.drop();
  }

  async call(name: string, args: Json, options: CallOptions = {}): Promise<Json> {
    const client = await this.connected();
    let result: Parameters<typeof resultObject>[0];
    try {
      result = (await client.callTool(
        { name, arguments: args },
        { signal: options.signal, timeout: CALL_TIMEOUT_MS },
      )) as Parameters<typeof resultObject>[0];
    } catch (error) {
      throw this.translate(error, options.signal);
    }
    return resultObject(result);
  }

  /** The argument names each tool accepts, so the page offers only what this server has. */
  async toolArguments(): Promise<Map<string, Set<string>>> {
    if (this.toolNames) return this.toolNames;
    const client = await this.connected();
    try {
      const { tools } = await client.listTools();
      this.toolNames = new Map(
        tools.map((tool) => [tool.name, new Set(Object.keys(tool.inputSchema.properties ?? {}))]),
      );
      return this.toolNames;
    } catch (error) {
      throw this.translate(error);
    }
  }

  private async connected(): Promise<Client> {
    if (this.client) return this.client;
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const client = new Client(
      { name: 'mcp-chat-web', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    // Push rides the response stream of the page's open wait; it is a hint, the tools are the truth.
    client.fallbackNotificationHandler = async (notification) => {
      this.onPush({ method: notification.method, params: (notification.params ?? {}) as Json });
    };
    const transport = new StreamableHTTPClientTransport(this.endpoint, {
      fetch: (url, init) => this.fetchWithToken(url, init),
    });
    try {
      await client.connect(transport);
    } catch (error) {
      void client.close().catch(() => {});
      throw this.translate(error);
    }
    this.client = client;
    return client;
  }

  private async fetchWithToken(url: string | URL, init?: RequestInit): Promise<Response> {
    const headers = new Headers(init?.headers);
    if (this.token) headers.set('authorization', `Bearer ${this.token}`);
    const response = await fetch(url, { ...init, headers });
    this.lastStatus = response.status;
    return response;
  }

  /** Every failure but a tool's own answer is either "sign in" or "try again later". */
  private translate(error: unknown, signal?: AbortSignal): Error {
    if (error instanceof ToolError) return error;
    if (signal?.aborted) return new DOMException('The call was cancelled.', 'AbortError');
    if (this.lastStatus === 401) return new AuthRequiredError('The server asks for a token.');
    this.drop();
    return new ConnectionError(error instanceof Error ? error.message : String(error));
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    this.toolNames = undefined;
    void client?.close().catch(() => {});
  }
}
