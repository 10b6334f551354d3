import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { SessionServer } from '../mcp/server.js';
import { type ReplayWindow, SessionEventStore } from './event-store.js';
import { sendRpcError } from './replies.js';
import { responseChannel } from './response-channel.js';

interface LegacySession {
  id: string;
  session: SessionServer;
  transport: NodeStreamableHTTPServerTransport;
  lastActiveAt: number;
  /** Open GET streams: a session someone listens on is in use even without requests. */
  openStreams: number;
}

export interface LegacySessionsOptions {
  /** Builds the MCP server object (with its push channel) of a new session. */
  createSession: () => SessionServer;
  /** A session with no request and no open stream for this long is closed. */
  idleTtlMs: number;
  replayWindow: ReplayWindow;
  logger: Logger;
}

/**
 * 2025-era sessions: `initialize` opens one (its own transport, server object, push channel and
 * replay buffer), requests carry `Mcp-Session-Id`, `DELETE` ends it, and an idle TTL ends the ones
 * clients forgot. Sessions live in this process's memory, so behind a load balancer a 2025-era
 * client needs affinity by `Mcp-Session-Id`.
 */
export class LegacySessions {
  private readonly sessions = new Map<string, LegacySession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: LegacySessionsOptions) {
    this.sweeper = setInterval(
      () => this.closeIdle(),
      Math.min(60_000, Math.max(250, options.idleTtlMs / 4)),
    );
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const entry = this.sessions.get(sessionId);
      if (!entry) {
        sendRpcError(
          res,
          404,
          -32001,
          'Session not found: it ended or the server restarted. Initialize a new session.',
        );
        return;
      }
      entry.lastActiveAt = Date.now();
      if (req.method === 'GET') this.trackStream(entry, res);
      if (req.method === 'POST') this.trackRequests(entry, res, body);
      await entry.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method === 'POST' && isInitializeRequest(body)) {
      await this.open(req, res, body);
      return;
    }
    sendRpcError(
      res,
      400,
      -32000,
      'Bad Request: Mcp-Session-Id header is required (initialize a session first).',
    );
  }

  /** Closes every session: their GET streams end and their server objects are released. */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.sessions.keys()].map((id) => this.close(id)));
  }

  private async open(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const session = this.options.createSession();
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new SessionEventStore(this.options.replayWindow),
      // Tells reconnecting clients (SSE `retry`) to come back soon enough to stay in the replay window.
      retryInterval: 2000,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { id, session, transport, lastActiveAt: Date.now(), openStreams: 0 });
        this.options.logger.debug({ session: id }, 'session opened');
      },
      // DELETE: let the transport finish answering before the session is torn down.
      onsessionclosed: (id) => {
        setImmediate(() => void this.close(id));
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) void this.close(transport.sessionId);
    };
    await session.server.connect(transport);
    await transport.handleRequest(req, res, body);
    if (!transport.sessionId) {
      session.close();
      await session.server.close();
    }
  }

  private trackStream(entry: LegacySession, res: ServerResponse): void {
    entry.openStreams++;
    res.once('close', () => {
      entry.openStreams--;
      entry.lastActiveAt = Date.now();
    });
  }

  /** Lets tool calls of this POST learn whether their answer reached the client. */
  private trackRequests(entry: LegacySession, res: ServerResponse, body: unknown): void {
    const ids = (Array.isArray(body) ? body : [body])
      .map((message) => (message as { id?: unknown; method?: unknown }) ?? {})
      .filter((message) => typeof message.method === 'string')
      .map((message) => message.id)
      .filter((id): id is string | number => typeof id === 'string' || typeof id === 'number');
    if (ids.length === 0) return;
    const channel = responseChannel(res);
    const forget = ids.map((id) => entry.session.responses.register(id, channel));
    res.once('close', () => {
      for (const drop of forget) drop();
    });
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.options.idleTtlMs;
    for (const entry of this.sessions.values()) {
      if (entry.openStreams === 0 && entry.lastActiveAt < cutoff) void this.close(entry.id);
    }
  }

  /** Forgets the session first, so that closing it (which calls back here) happens once. */
  private async close(id: string): Promise<void> {
    const entry = this.sessions.get(id);
    if (!entry) return;
    this.sessions.delete(id);
    entry.session.close();
    await entry.session.server.close().catch(() => {});
    this.options.logger.debug({ session: id }, 'session closed');
  }
}
