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
import { BrowserOAuth } from './oauth.js';

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
  /** Aborted when the current connection's response stream breaks (see open). */
  private lost = new AbortController();
  private connecting: Promise<Client> | undefined;
  private lastStatus = 0;
  private token: string | undefined;
  private readonly onPush: (push: PushNotification) => void;
  private readonly endpoint: URL;
  private toolNames: Map<string, Set<string>> | undefined;
  private readonly oauth: BrowserOAuth;
  private oauthServer: Promise<boolean> | undefined;
  private signingIn: Promise<'AUTHORIZED' | 'REDIRECT'> | undefined;

  constructor(endpoint: URL, onPush: (push: PushNotification) => void, token?: string) {
    this.endpoint = endpoint;
    this.onPush = onPush;
    this.token = token;
    this.oauth = new BrowserOAuth(endpoint);
  }

  /** Back from the authorization server's login page: takes the tokens (see BrowserOAuth.finish). */
  finishSignIn(): Promise<boolean> {
    return this.oauth.finish();
  }

  /**
   * After a 401: when the server names an authorization server (MCP_CHAT_AUTH=oauth), signs in
   * there (a refresh, or off to its login page, never to resolve) and resolves true; false when
   * the server wants a token typed in (MCP_CHAT_AUTH=tokens).
   */
  async signInWithOAuth(): Promise<boolean> {
    this.oauthServer ??= this.namesAuthorizationServer();
    if (!(await this.oauthServer)) return false;
    // Every call that met the 401 meanwhile shares one sign-in.
    this.signingIn ??= this.oauth.signIn().finally(() => {
      this.signingIn = undefined;
    });
    this.token = undefined;
    if ((await this.signingIn) === 'REDIRECT') await new Promise(() => {}); // the browser is leaving
    this.drop();
    return true;
  }

  setToken(token: string | undefined): void {
    this.token = token;
    this.drop();
  }

  async call(name: string, args: Json, options: CallOptions = {}): Promise<Json> {
    const client = await this.connected();
    const lost = this.lost.signal;
    let result: Parameters<typeof resultObject>[0];
    try {
      result = (await client.callTool(
        { name, arguments: args },
        {
          signal: options.signal ? AbortSignal.any([options.signal, lost]) : lost,
          timeout: CALL_TIMEOUT_MS,
          onprogress: options.onListening && (() => options.onListening?.()),
        },
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
    // A response stream that breaks (the server died mid-wait) reaches only onerror: the SDK does
    // not fail the call it carried, which would hang until its timeout with the page saying
    // nothing. Failing the calls of this connection makes the page reconnect at once.
    const lost = new AbortController();
    client.onerror = (error) => {
      if (/SSE stream disconnected|reconnect/i.test(error.message)) lost.abort(error);
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
    this.lost = lost;
    return client;
  }

  private async fetchWithToken(url: string | URL, init?: RequestInit): Promise<Response> {
    const headers = new Headers(init?.headers);
    const token = this.token ?? this.oauth.accessToken;
    if (token) headers.set('authorization', `Bearer ${token}`);
    const response = await fetch(url, { ...init, headers });
    this.lastStatus = response.status;
    if (response.ok && token && token === this.oauth.accessToken) this.oauth.accepted();
    return response;
  }

  /** The server's protected resource metadata (RFC 9728) lists authorization servers with oauth. */
  private async namesAuthorizationServer(): Promise<boolean> {
    try {
      const response = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', this.endpoint));
      if (!response.ok) return false;
      const metadata = (await response.json()) as { authorization_servers?: unknown };
      return Array.isArray(metadata.authorization_servers) && metadata.authorization_servers.length > 0;
    } catch {
      this.oauthServer = undefined;
      return false;
    }
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
