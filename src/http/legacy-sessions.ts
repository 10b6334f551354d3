import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { SessionServer } from '../mcp/server.js';
import type { RequestCaller } from './auth/types.js';
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
  /** Who opened it: only the same subject may use it, and it counts against that caller's cap. */
  owner: RequestCaller;
  release(): void;
}

export interface LegacySessionsOptions {
  /** Builds the MCP server object (with its push channel) of a new session. */
  createSession: () => SessionServer;
  /** A session with no request and no open stream for this long is closed. */
  idleTtlMs: number;
  /** Open sessions one caller (subject, or IP without access control) may hold at once. */
  maxPerCaller: number;
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
  /** Sessions per caller (`limitKey`), opening ones included, for the cap. */
  private readonly perCaller = new Map<string, number>();
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

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    caller: RequestCaller,
    body?: unknown,
  ): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const entry = this.sessions.get(sessionId);
      // Another subject's session is answered exactly like a missing one.
      if (!entry || entry.owner.subject !== caller.subject) {
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
      if ((this.perCaller.get(caller.limitKey) ?? 0) >= this.options.maxPerCaller) {
        sendRpcError(
          res,
          429,
          -32000,
          `Too many open sessions: at most ${this.options.maxPerCaller} per ${caller.subject === undefined ? 'client address' : 'subject'}. End one (DELETE /mcp with its Mcp-Session-Id) or use protocol 2026-07-28, which needs no session.`,
        );
        return;
      }
      await this.open(req, res, body, caller);
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

  /** Counts a session (open, or being opened) against its caller's cap; returns the release. */
  private reserve(limitKey: string): () => void {
    this.perCaller.set(limitKey, (this.perCaller.get(limitKey) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.perCaller.get(limitKey) ?? 1) - 1;
      if (left > 0) this.perCaller.set(limitKey, left);
      else this.perCaller.delete(limitKey);
    };
  }

  private async open(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    owner: RequestCaller,
  ): Promise<void> {
    const release = this.reserve(owner.limitKey);
    const session = this.options.createSession();
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new SessionEventStore(this.options.replayWindow),
      // Tells reconnecting clients (SSE `retry`) to come back soon enough to stay in the replay window.
      retryInterval: 2000,
      onsessioninitialized: (id) => {
        const entry = { id, session, transport, lastActiveAt: Date.now(), openStreams: 0, owner, release };
        this.sessions.set(id, entry);
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
    try {
      await session.server.connect(transport);
      await transport.handleRequest(req, res, body);
    } finally {
      if (!transport.sessionId) {
        release();
        session.close();
        await session.server.close();
      }
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
    entry.release();
    entry.session.close();
    await entry.session.server.close().catch(() => {});
    this.options.logger.debug({ session: id }, 'session closed');
  }
}
