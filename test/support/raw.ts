/** Hand-built MCP traffic, for checks below what the client libraries show. */

const MODERN = '2026-07-28';

export const JSON_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/** A 2026-07-28 `tools/call`, exactly as the official client frames one. */
export function modernToolCall(
  url: URL,
  name: string,
  args: Record<string, unknown>,
  options: {
    id?: number;
    progressToken?: string;
    signal?: AbortSignal;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  const meta: Record<string, unknown> = {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  if (options.progressToken) meta.progressToken = options.progressToken;
  return fetch(url, {
    method: 'POST',
    headers: {
      ...JSON_HEADERS,
      'mcp-method': 'tools/call',
      'mcp-name': name,
      'mcp-protocol-version': MODERN,
      ...options.headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: options.id ?? 1,
      method: 'tools/call',
      params: { name, arguments: args, _meta: meta },
    }),
    signal: options.signal,
  });
}

export interface SseEvent {
  id?: string;
  data: Record<string, unknown>;
}

/** Parses a whole SSE body into its events (comments and keep-alives skipped). */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0 && data.join('').trim() !== '')
      events.push({ id, data: JSON.parse(data.join('\n')) });
  }
  return events;
}

/**
 * Reads SSE events from a live stream as they arrive, until `enough` says stop or the stream
 * ends. Returns what was read; the caller aborts the request when done.
 */
export async function readEvents(
  response: Response,
  enough: (events: SseEvent[]) => boolean,
): Promise<SseEvent[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: SseEvent[] = [];
  while (!enough(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const cut = buffer.lastIndexOf('\n\n');
    if (cut < 0) continue;
    events.push(...parseSse(buffer.slice(0, cut)));
    buffer = buffer.slice(cut + 2);
  }
  reader.releaseLock();
  return events;
}
