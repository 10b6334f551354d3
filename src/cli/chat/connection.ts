import {
  Client,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { VERSION } from '../../version.js';

/**
 * The terminal client's MCP connection: the official client pinned to the 2026-07-28 era, which
 * needs no session, so a server restart costs nothing but the requests in flight.
 */

const PROTOCOL_VERSION = '2026-07-28';

export type Body = Record<string, unknown>;

/** A tool's answer: its result object, or the refusal the server explained (`code`, `error`). */
export type ToolOutcome = { ok: true; body: Body } | { ok: false; code: string; error: string };

/** The server cannot be reached or cannot serve right now; the same call may work after reconnecting. */
export class LinkDown extends Error {
  override name = 'LinkDown';
}

/** Something that retrying will not fix (a wrong URL, a server that does not speak our era). */
export class LinkRefused extends Error {
  override name = 'LinkRefused';
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs: number;
}

export interface Link {
  /** Resolves with the tool's outcome; throws LinkDown, LinkRefused, or the abort reason. */
  call(name: string, args: Body, options: CallOptions): Promise<ToolOutcome>;
  close(): Promise<void>;
}

/** A notification the server pushed (in this era, on the response stream of an open wait). */
export type OnPush = (method: string, params: Body) => void;

export type OpenLink = (url: URL, signal: AbortSignal, onPush: OnPush) => Promise<Link>;

/** Opens links that send `token` as a bearer token, for servers with access control on. */
export function linkOpener(token?: string): OpenLink {
  const requestInit = token === undefined ? undefined : { headers: { authorization: `Bearer ${token}` } };
  return (url, signal, onPush) => open(url, signal, onPush, requestInit);
}

/** Links without a token, for open servers. */
export const openLink: OpenLink = linkOpener();

async function open(
  url: URL,
  signal: AbortSignal,
  onPush: OnPush,
  requestInit: RequestInit | undefined,
): Promise<Link> {
  const client = new Client(
    { name: 'mcp-chat-terminal', version: VERSION },
    { versionNegotiation: { mode: { pin: PROTOCOL_VERSION } } },
  );
  // MCP Chat's own notifications (chatroom.found, ...) have no handler of their own in the SDK.
  client.fallbackNotificationHandler = async ({ method, params }) =>
    onPush(method, isObject(params) ? params : {});
  try {
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit }), {
      signal,
      timeout: 10_000,
    });
  } catch (error) {
    signal.throwIfAborted();
    throw classify(error);
  }
  return {
    async call(name, args, { signal: callSignal, timeoutMs }) {
      let result: Awaited<ReturnType<Client['callTool']>>;
      try {
        result = await client.callTool({ name, arguments: args }, { signal: callSignal, timeout: timeoutMs });
      } catch (error) {
        callSignal?.throwIfAborted();
        throw classify(error);
      }
      const body = resultBody(result);
      if (!result.isError) return { ok: true, body };
      const code = typeof body.code === 'string' ? body.code : 'tool_error';
      const text = typeof body.error === 'string' ? body.error : `${name} failed.`;
      // Storage out of reach: the contract says to try again, which is what reconnecting does.
      if (code === 'unavailable') throw new LinkDown(text);
      return { ok: false, code, error: text };
    },
    close: () => client.close(),
  };
}

/** structuredContent, or the JSON in the text block for a server that sends only that. */
function resultBody(result: { structuredContent?: unknown; content?: unknown }): Body {
  if (isObject(result.structuredContent)) return result.structuredContent;
  const blocks = Array.isArray(result.content) ? (result.content as unknown[]) : [];
  for (const block of blocks) {
    if (isObject(block) && block.type === 'text' && typeof block.text === 'string') {
      try {
        const parsed: unknown = JSON.parse(block.text);
        if (isObject(parsed)) return parsed;
      } catch {
        return { error: block.text };
      }
    }
  }
  return {};
}

function classify(error: unknown): LinkDown | LinkRefused {
  const message = describe(error);
  return isTransient(error) ? new LinkDown(message) : new LinkRefused(message);
}

function isTransient(error: unknown): boolean {
  if (error instanceof SdkHttpError) {
    return error.status >= 500 || error.status === 408 || error.status === 429;
  }
  if (error instanceof SdkError) {
    switch (error.code) {
      case SdkErrorCode.RequestTimeout:
      case SdkErrorCode.ConnectionClosed:
      case SdkErrorCode.SendFailed:
      case SdkErrorCode.NotConnected:
        return true;
      default:
        // A probe that failed for network reasons is an outage, not a verdict on the server.
        return isNetworkFailure(error.cause);
    }
  }
  return isNetworkFailure(error);
}

/** fetch's "fetch failed" TypeError, or a socket error (ECONNREFUSED, ECONNRESET, ...) below it. */
function isNetworkFailure(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof TypeError && cause.message === 'fetch failed') return true;
    if (socketCode(cause) !== undefined) return true;
  }
  return false;
}

function socketCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code) ? code : undefined;
}

/** One readable sentence without a stack. */
function describe(error: unknown): string {
  if (error instanceof SdkHttpError && (error.status === 401 || error.status === 403)) {
    return `the server refused access (HTTP ${error.status}): give a valid token with --token or MCP_CHAT_TOKEN`;
  }
  if (error instanceof SdkHttpError) return `the server answered HTTP ${error.status}`;
  if (!(error instanceof Error)) return String(error);
  if (isNetworkFailure(error)) {
    let code: string | undefined;
    for (let cause: unknown = error; cause instanceof Error; cause = cause.cause)
      code = socketCode(cause) ?? code;
    return `cannot reach the server${code ? ` (${code})` : ''}`;
  }
  return error.message;
}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
