import { type NodeMcpRequestHandler, toNodeHandler } from '@modelcontextprotocol/node';
import { type JSONRPCMessage, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { ReplayBounds, SessionRecord, SessionRecords } from '../chat/index.js';
import type { SessionServer } from '../mcp/server.js';
import { KEEP_ALIVE_MS } from './call-stream.js';
import { SharedEventStore } from './replay-store.js';
import { LeanSessionCalls } from './session-lean.js';
import { SESSION_RETRY_MS } from './session-stream.js';

/**
 * This instance's copy of one 2025-era session: a transport and a server object, built for a new
 * session on `initialize`, or rebuilt from the session's stored record on the first request that
 * reaches this instance (after a restart, or behind a load balancer without affinity).
 */
export interface SessionCopy {
  readonly id: string;
  readonly session: SessionServer;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  /** Serves one HTTP request of the session. */
  readonly serve: NodeMcpRequestHandler;
  /** Hands a message to the session as if the client had posted it here (a signal from elsewhere). */
  deliver(message: JSONRPCMessage): void;
  /** The session's requests this copy answers on the lean lane, past the transport. */
  readonly lean: LeanSessionCalls;
  close(): Promise<void>;
}

export interface CopyOptions {
  id: string;
  session: SessionServer;
  records: SessionRecords;
  replayWindow: ReplayBounds;
  onerror: (error: Error) => void;
}

export function buildCopy({ id, session, records, replayWindow, onerror }: CopyOptions): SessionCopy {
  const events = new SharedEventStore(id, records, replayWindow);
  // The lean lane writes this session's POST streams too (session-stream.ts): same store, same
  // `retry`, same keep-alive.
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => id,
    eventStore: events,
    retryInterval: SESSION_RETRY_MS,
    keepAliveMs: KEEP_ALIVE_MS,
  });
  transport.onerror = onerror;
  const serve = toNodeHandler(
    { fetch: (request, options) => transport.handleRequest(request, options) },
    { onerror },
  );
  const lean = new LeanSessionCalls(id, session, events);
  return {
    id,
    session,
    transport,
    serve,
    deliver: (message) => transport.onmessage?.(message),
    lean,
    close: async () => {
      lean.closeAll();
      session.close();
      await session.server.close().catch(() => {});
    },
  };
}

/** Connects a new copy's server object to its transport (before its first request). */
export async function connectCopy(copy: SessionCopy): Promise<void> {
  await copy.session.server.connect(copy.transport);
}

/**
 * Rebuilds a copy from the stored record: the client's `initialize` is played again to the new
 * transport (so the SDK knows the protocol version, capabilities and client info, and accepts the
 * session id), then the bound participants and the logging level are restored.
 */
export async function restoreCopy(copy: SessionCopy, record: SessionRecord): Promise<void> {
  await connectCopy(copy);
  const initialize = {
    jsonrpc: '2.0' as const,
    id: 'mcp-chat-restore',
    method: 'initialize',
    params: JSON.parse(record.initialize) as Record<string, unknown>,
  };
  const replayed = await copy.transport.handleRequest(
    new Request('http://localhost/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(initialize),
    }),
    { parsedBody: initialize },
  );
  await replayed.text();
  if (!replayed.ok) throw new Error(`the stored initialize of session ${record.sessionId} was refused`);
  for (const userId of record.userIds) copy.session.watchUser(userId);
  if (record.logLevel !== undefined) copy.session.setLogLevel(record.logLevel);
}

/** The stored form of an `initialize` request: its params (protocol version, capabilities, client info). */
export function initializeParams(body: unknown): string {
  const message = (Array.isArray(body) ? body[0] : body) as { params?: unknown };
  return JSON.stringify(message.params ?? {});
}
