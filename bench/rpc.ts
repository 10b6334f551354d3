import { Agent, request } from 'node:http';

export interface HttpResponse {
  status: number;
  type: string;
  sessionId: string | undefined;
  text: string;
}

/** Raw HTTP for the load generator: keep-alive connections, no client library overhead measured. */
export class HttpClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(url: string, connections: number) {
    this.url = new URL(url);
    // Idle connections close well before the server's keep-alive timeout (65 s): a busy client
    // that reuses one the server has just closed gets a reset for a request never read.
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: connections,
      maxFreeSockets: connections,
      timeout: 30_000,
    });
  }

  /** `onResponse` is told when the status line arrives (before the body has been read). */
  post(
    body: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
    onResponse?: () => void,
  ): Promise<HttpResponse> {
    return this.request('POST', { 'content-type': 'application/json', ...headers }, body, signal, onResponse);
  }

  request(
    method: string,
    headers: Record<string, string>,
    body?: string,
    signal?: AbortSignal,
    onResponse?: () => void,
  ): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        {
          method,
          agent: this.agent,
          headers:
            body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          signal,
        },
        (res) => {
          onResponse?.();
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              type: String(res.headers['content-type'] ?? ''),
              sessionId: res.headers['mcp-session-id'] as string | undefined,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Opens a 2025-era session and returns its id. */
  async session(initialize: string, headers: Record<string, string>): Promise<string> {
    const response = await this.post(initialize, headers);
    if (!response.sessionId) throw new Error(`initialize answered ${response.status}`);
    return response.sessionId;
  }

  close(): void {
    this.agent.destroy();
  }
}

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

let nextId = 1;

/** A 2026-07-28 tools/call framed exactly as the official client frames one; returns structuredContent. */
export async function callTool(
  http: HttpClient,
  name: string,
  args: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: nextId++,
    method: 'tools/call',
    params: { name, arguments: args, _meta: ENVELOPE },
  });
  const response = await http.post(
    body,
    {
      accept: 'application/json, text/event-stream',
      'mcp-method': 'tools/call',
      'mcp-name': name,
      'mcp-protocol-version': '2026-07-28',
    },
    signal,
  );
  const message = response.type.includes('text/event-stream')
    ? lastSseData(response.text)
    : JSON.parse(response.text);
  const result = message?.result as
    | { structuredContent?: Record<string, unknown>; isError?: boolean }
    | undefined;
  if (!result || result.isError)
    throw new Error(`${name} failed (${response.status}): ${response.text.slice(0, 300)}`);
  return result.structuredContent ?? {};
}

/** A plain JSON-RPC call to the raw baseline. */
export async function callRaw(
  http: HttpClient,
  method: string,
  params: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const response = await http.post(
    JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    {},
    signal,
  );
  const message = JSON.parse(response.text) as { result?: Record<string, unknown>; error?: unknown };
  if (!message.result) throw new Error(`${method} failed: ${response.text.slice(0, 300)}`);
  return message.result;
}

function lastSseData(text: string): Record<string, unknown> | undefined {
  const data = text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter((line) => line.startsWith('{'))
    .at(-1);
  return data ? JSON.parse(data) : undefined;
}
