/**
 * Tool calls over raw HTTP in both protocol eras, for the torture runs: every answer is classified
 * (a result, a tool error with its code, or a failure of the transport) instead of thrown, because
 * counting each kind is the point. Framing follows the official clients (bench/rpc.ts does the
 * same for 2026-07-28).
 */
import { HttpClient, type HttpResponse } from '../bench/rpc.js';
import { parseSse } from '../test/support/raw.js';

export type Era = 'modern' | 'legacy';

export type Outcome =
  | { kind: 'ok'; value: Record<string, unknown> }
  | { kind: 'refused'; code: string; value: Record<string, unknown> }
  /** No tool answer: the connection failed, the server answered 5xx, or the body made no sense. */
  | { kind: 'transport'; status: number; detail: string };

const MODERN = '2026-07-28';
const LEGACY = '2025-06-18';
const ACCEPT = 'application/json, text/event-stream';

let nextId = 1;

export interface CallOptions {
  signal?: AbortSignal;
  progressToken?: string;
  /** Told when the answer's status line arrives: from then on a drop discards a delivered answer. */
  onResponse?: () => void;
}

/**
 * One client: in the 2026-07-28 era every call stands alone; in the 2025 era the client holds a
 * session and opens a new one when the server forgot it (404 after a restart). `urls` lists the
 * instances it may use; after a transport failure it moves on to the next one.
 */
export class WireClient {
  private readonly http: HttpClient[];
  private current = 0;
  private sessionId: string | undefined;

  constructor(
    urls: string[],
    readonly era: Era,
    connections = 4,
  ) {
    this.http = urls.map((url) => new HttpClient(url, connections));
  }

  async call(name: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<Outcome> {
    let response: HttpResponse;
    try {
      response = await this.post(name, args, options);
      if (response.status === 404 && this.era === 'legacy') {
        this.sessionId = undefined;
        response = await this.post(name, args, options);
      }
    } catch (error) {
      this.failOver();
      return { kind: 'transport', status: 0, detail: (error as Error).message };
    }
    const outcome = classify(response);
    if (outcome.kind === 'transport') this.failOver();
    return outcome;
  }

  /** Sends an arbitrary POST to the current instance (for the protocol fuzzer). */
  raw(body: string, headers: Record<string, string>): Promise<HttpResponse> {
    return (this.http[this.current] as HttpClient).post(body, headers);
  }

  /** 2025 era: opens the session's GET stream; it stays open until `signal` aborts it. */
  async openStream(signal: AbortSignal): Promise<void> {
    const http = this.http[this.current] as HttpClient;
    const sessionId = this.sessionId ?? (await this.openSession(http, signal));
    const headers = {
      accept: 'text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': LEGACY,
    };
    await http.request('GET', headers, undefined, signal);
  }

  /** Ends the 2025-era session, if any, and closes the connections. */
  async close(): Promise<void> {
    const http = this.http[this.current] as HttpClient;
    if (this.sessionId) {
      const headers = { 'mcp-session-id': this.sessionId, 'mcp-protocol-version': LEGACY };
      await http.request('DELETE', headers).catch(() => undefined);
      this.sessionId = undefined;
    }
    for (const each of this.http) each.close();
  }

  private failOver(): void {
    this.current = (this.current + 1) % this.http.length;
    this.sessionId = undefined;
  }

  private async post(name: string, args: Record<string, unknown>, options: CallOptions) {
    const http = this.http[this.current] as HttpClient;
    const meta: Record<string, unknown> = {};
    if (options.progressToken) meta.progressToken = options.progressToken;
    if (this.era === 'modern') {
      meta['io.modelcontextprotocol/protocolVersion'] = MODERN;
      meta['io.modelcontextprotocol/clientInfo'] = { name: 'torture', version: '1' };
      meta['io.modelcontextprotocol/clientCapabilities'] = {};
      const body = {
        jsonrpc: '2.0',
        id: nextId++,
        method: 'tools/call',
        params: { name, arguments: args, _meta: meta },
      };
      const headers = {
        accept: ACCEPT,
        'mcp-method': 'tools/call',
        'mcp-name': name,
        'mcp-protocol-version': MODERN,
      };
      return http.post(JSON.stringify(body), headers, options.signal, options.onResponse);
    }
    const sessionId = this.sessionId ?? (await this.openSession(http, options.signal));
    const params: Record<string, unknown> = { name, arguments: args };
    if (options.progressToken) params._meta = meta;
    const body = { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params };
    const headers = { accept: ACCEPT, 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY };
    return http.post(JSON.stringify(body), headers, options.signal, options.onResponse);
  }

  private async openSession(http: HttpClient, signal?: AbortSignal): Promise<string> {
    const initialize = {
      jsonrpc: '2.0',
      id: nextId++,
      method: 'initialize',
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'torture', version: '1' } },
    };
    const opened = await http.post(JSON.stringify(initialize), { accept: ACCEPT }, signal);
    if (!opened.sessionId) throw new Error(`initialize answered ${opened.status}`);
    const initialized = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await http.post(
      initialized,
      { accept: ACCEPT, 'mcp-session-id': opened.sessionId, 'mcp-protocol-version': LEGACY },
      signal,
    );
    this.sessionId = opened.sessionId;
    return opened.sessionId;
  }
}

/** The JSON-RPC message a response carries (the last one of an SSE body), or undefined. */
export function rpcMessage(response: HttpResponse): Record<string, unknown> | undefined {
  try {
    if (response.type.includes('text/event-stream')) {
      return parseSse(response.text)
        .map((event) => event.data)
        .filter((data) => 'result' in data || 'error' in data)
        .at(-1);
    }
    return JSON.parse(response.text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function classify(response: HttpResponse): Outcome {
  const detail = `${response.status}: ${response.text.slice(0, 300)}`;
  if (response.status >= 500 || response.status === 0)
    return { kind: 'transport', status: response.status, detail };
  const message = rpcMessage(response);
  const result = message?.result as
    | { structuredContent?: Record<string, unknown>; isError?: boolean }
    | undefined;
  if (!result?.structuredContent) return { kind: 'transport', status: response.status, detail };
  if (result.isError) {
    const code = String(result.structuredContent.code ?? '');
    return { kind: 'refused', code, value: result.structuredContent };
  }
  return { kind: 'ok', value: result.structuredContent };
}
