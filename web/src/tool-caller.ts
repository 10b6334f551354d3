/**
 * What the page and the MCP App view have in common: they call the server's tools. The page
 * does it over HTTP with the MCP client SDK, the view through its host's bridge.
 */
export type Json = Record<string, unknown>;

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * For a wait: called when the server says the wait listens (its first progress), so push from
   * then on reaches the page; asks for progress notifications.
   */
  onListening?: () => void;
}

export interface ToolCaller {
  /** The tool's result object; throws ToolError for an error result, ConnectionError when unreachable. */
  call(name: string, args: Json, options?: CallOptions): Promise<Json>;
}

/** A tool answered with `isError`: its `{error, code}` object. Retrying the same call will not help. */
export class ToolError extends Error {
  override name = 'ToolError';
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.code = code;
  }
}

/** The server could not be reached or did not answer (restarting, network): try again later. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

/** The server wants a token (`401`): ask the person for one. */
export class AuthRequiredError extends Error {
  override name = 'AuthRequiredError';
}

interface ToolResultLike {
  isError?: boolean;
  structuredContent?: unknown;
  content?: unknown;
}

/** The JSON object of a tool result (structuredContent, else the text block), or a ToolError. */
export function resultObject(result: ToolResultLike): Json {
  let body = result.structuredContent as Json | undefined;
  if (body === undefined && Array.isArray(result.content)) {
    const text = (result.content as { type?: string; text?: string }[]).find((c) => c.type === 'text')?.text;
    try {
      body = text ? (JSON.parse(text) as Json) : undefined;
    } catch {
      body = { error: text, code: 'unknown' };
    }
  }
  body ??= {};
  if (result.isError) {
    throw new ToolError(String(body.error ?? 'The call failed.'), String(body.code ?? 'unknown'));
  }
  return body;
}
