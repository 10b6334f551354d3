import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { SessionRecord, SessionRecords } from '../chat/index.js';
import type { LeanRequest } from '../mcp/lean-requests.js';
import type { SessionRecordHooks, SessionServer } from '../mcp/server.js';
import type { RequestCaller } from './auth/types.js';
import type { ReplayWindow } from './event-store.js';
import { leanSessionRequestFor } from './lean-lane.js';
import { sendRpcError } from './replies.js';
import { responseChannel } from './response-channel.js';
import { buildCopy, connectCopy, initializeParams, restoreCopy, type SessionCopy } from './session-copy.js';
import { cancellationsIn, forwardSignal } from './session-signals.js';

interface LocalCopy extends SessionCopy {
  /** Who opened it: only the same subject may use it. */
  subject: string | undefined;
  lastActiveAt: number;
  /** When this instance last renewed the stored record. */
  touchedAt: number;
  /** Open GET streams: a session someone listens on is in use even without requests. */
  openStreams: number;
  stopSignals(): void;
}

export interface LegacySessionsOptions {
  /** Builds the MCP server object (with its push channel) of a session; `hooks` keep its record. */
  createSession: (hooks: SessionRecordHooks) => SessionServer;
  records: SessionRecords;
  /** A session with no request and no open stream for this long expires (MCP_CHAT_SESSION_TTL). */
  idleTtlMs: number;
  /** Stored sessions one caller (subject, or IP without access control) may hold at once. */
  maxPerCaller: number;
  replayWindow: ReplayWindow;
  /** Whether plain requests take the lean lane (session-lean.ts); without it the SDK answers all. */
  leanLane: boolean;
  logger: Logger;
}

/** Most participants bound to one session (as SessionPush binds them). */
const MAX_BOUND_USERS = 64;

const NOT_FOUND = 'Session not found: it ended or expired. Initialize a new session.';

/**
 * 2025-era sessions. Each lives in storage (SessionRecords: what `initialize` said, its owner,
 * bound participants, logging level), so every instance can serve it and a restart ends none:
 * the transport and server object here are this instance's copy, built on `initialize` or
 * rebuilt from the record by the first request that reaches this instance. Copies of one session
 * on several instances keep each other informed by signals (session-signals.ts): cancellations,
 * bindings, logging level, which copy holds the GET stream, and `DELETE`.
 */
export class LegacySessions {
  private readonly copies = new Map<string, LocalCopy>();
  /** Copies being rebuilt, so that concurrent requests build one. */
  private readonly restoring = new Map<string, Promise<LocalCopy | null>>();
  /** Tells this instance's signals from the others'. */
  private readonly instance = randomUUID();
  private readonly sweeper: NodeJS.Timeout;
  private readonly touchEveryMs: number;

  constructor(private readonly options: LegacySessionsOptions) {
    this.touchEveryMs = Math.min(5000, Math.max(100, options.idleTtlMs / 4));
    this.sweeper = setInterval(() => void this.sweep(), this.touchEveryMs);
    this.sweeper.unref();
  }

  /** Copies of sessions this instance holds now. */
  get size(): number {
    return this.copies.size;
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    caller: RequestCaller,
    body?: unknown,
  ): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      if (req.method === 'DELETE') return this.end(sessionId, res, caller);
      const copy = await this.copyFor(sessionId, caller, res);
      if (!copy) return;
      copy.lastActiveAt = Date.now();
      if (req.method === 'GET') {
        this.trackStream(copy, res);
        flushHeadersOnWrite(res);
      }
      if (req.method === 'POST') this.trackRequests(copy, res, body);
      for (const cancel of cancellationsIn(body)) {
        // The SDK hears it in the body; a call on the lean lane here hears it now.
        copy.lean.cancel(cancel.requestId);
        // Wherever the cancelled request is parked, that instance hears it.
        void this.signal(sessionId, cancel);
      }
      const lean = this.leanRequest(copy, req, body);
      if (lean) return copy.lean.answer(req, res, caller, lean);
      await copy.serve(req, res, body);
      return;
    }
    if (req.method === 'POST' && isInitializeRequest(body)) return this.open(req, res, body, caller);
    sendRpcError(
      res,
      400,
      -32000,
      'Bad Request: Mcp-Session-Id header is required (initialize a session first).',
    );
  }

  /** Closes this instance's copies (their GET streams end); the sessions stay in storage. */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.copies.keys()].map((id) => this.drop(id)));
  }

  private async open(req: IncomingMessage, res: ServerResponse, body: unknown, owner: RequestCaller) {
    const id = randomUUID();
    const now = Date.now();
    const record = { sessionId: id, ownerKey: owner.limitKey, subject: owner.subject, now };
    let admitted: boolean;
    try {
      admitted = await this.options.records.open(
        { ...record, initialize: initializeParams(body) },
        { maxPerOwner: this.options.maxPerCaller, ttlMs: this.options.idleTtlMs },
      );
    } catch {
      return unavailable(res);
    }
    if (!admitted) {
      const who = owner.subject === undefined ? 'client address' : 'subject';
      sendRpcError(
        res,
        429,
        -32000,
        `Too many open sessions: at most ${this.options.maxPerCaller} per ${who}. End one (DELETE /mcp with its Mcp-Session-Id) or use protocol 2026-07-28, which needs no session.`,
      );
      return;
    }
    const copy = this.build(id, owner.subject);
    await connectCopy(copy);
    this.copies.set(id, copy);
    await copy.serve(req, res, body);
    if (copy.transport.sessionId === undefined) {
      // The transport refused this initialize: the session never began.
      await this.drop(id);
      await this.options.records.end(id).catch(() => {});
      return;
    }
    this.options.logger.debug({ session: id }, 'session opened');
  }

  /** This instance's copy of the session, rebuilt from storage when needed; null once answered 404/503. */
  private async copyFor(id: string, caller: RequestCaller, res: ServerResponse): Promise<LocalCopy | null> {
    const now = Date.now();
    const cached = this.copies.get(id);
    let record: SessionRecord | null | undefined;
    if (!cached || now - cached.touchedAt >= this.touchEveryMs) {
      try {
        record = await this.options.records.touch(id, now, this.options.idleTtlMs);
      } catch (error) {
        // Storage away: a copy here goes on (its tool calls answer `unavailable` themselves).
        if (cached) return cached;
        this.options.logger.debug({ err: error, session: id }, 'session record out of reach');
        unavailable(res);
        return null;
      }
      if (cached && record) cached.touchedAt = now;
    }
    // Another subject's session is answered exactly like a missing one.
    if (record === null || (record && record.subject !== caller.subject)) {
      if (record === null && cached) await this.drop(id);
      sendRpcError(res, 404, -32001, NOT_FOUND);
      return null;
    }
    if (cached) {
      if (cached.subject === caller.subject) return cached;
      sendRpcError(res, 404, -32001, NOT_FOUND);
      return null;
    }
    const copy = await this.restore(record as SessionRecord);
    if (!copy) unavailable(res);
    return copy;
  }

  private restore(record: SessionRecord): Promise<LocalCopy | null> {
    const id = record.sessionId;
    const pending = this.restoring.get(id);
    if (pending) return pending;
    const rebuilt = (async () => {
      const copy = this.build(id, record.subject);
      try {
        await restoreCopy(copy, record);
      } catch (error) {
        this.options.logger.warn({ err: error, session: id }, 'could not rebuild a stored session');
        copy.stopSignals();
        await copy.close();
        return null;
      }
      this.copies.set(id, copy);
      this.options.logger.debug({ session: id }, 'session rebuilt from storage');
      return copy;
    })().finally(() => this.restoring.delete(id));
    this.restoring.set(id, rebuilt);
    return rebuilt;
  }

  /** A new copy: its server object with hooks that keep the record, listening to the session's signals. */
  private build(id: string, subject?: string): LocalCopy {
    const { records, logger } = this.options;
    const session = this.options.createSession({
      bound: (userId) => {
        records
          .bind(id, userId, MAX_BOUND_USERS)
          .then(() => this.signal(id, { kind: 'bound', userId }))
          .catch((error: unknown) => logger.warn({ err: error, session: id }, 'could not store a binding'));
      },
      logLevel: (level) => {
        records
          .setLogLevel(id, level)
          .then(() => this.signal(id, { kind: 'log_level', level, by: this.instance }))
          .catch((error: unknown) => logger.warn({ err: error, session: id }, 'could not store a log level'));
      },
    });
    const onerror = (error: Error) => logger.debug({ err: error, session: id }, 'mcp transport error');
    const copy = buildCopy({ id, session, records, replayWindow: this.options.replayWindow, onerror });
    const local: LocalCopy = {
      ...copy,
      subject,
      lastActiveAt: Date.now(),
      touchedAt: Date.now(),
      openStreams: 0,
      stopSignals: records.onSignal(id, (signal) =>
        forwardSignal(signal, { copy, instance: this.instance, end: () => void this.drop(id) }),
      ),
    };
    return local;
  }

  private async signal(id: string, signal: Parameters<SessionRecords['signal']>[1]): Promise<void> {
    await this.options.records.signal(id, signal).catch(() => {});
  }

  /** DELETE: the session ends in storage and on every instance. */
  private async end(id: string, res: ServerResponse, caller: RequestCaller): Promise<void> {
    let record: SessionRecord | null;
    try {
      record = await this.options.records.touch(id, Date.now(), this.options.idleTtlMs);
      if (record && record.subject === caller.subject) await this.options.records.end(id);
    } catch {
      return unavailable(res);
    }
    if (!record || record.subject !== caller.subject) {
      sendRpcError(res, 404, -32001, NOT_FOUND);
      return;
    }
    await this.signal(id, { kind: 'ended' });
    await this.drop(id);
    res.writeHead(200).end();
    this.options.logger.debug({ session: id }, 'session ended');
  }

  private trackStream(copy: LocalCopy, res: ServerResponse): void {
    copy.openStreams++;
    // This copy pushes from now on; the others stop, so each event is stored and sent once.
    copy.session.setPushing(true);
    void this.signal(copy.id, { kind: 'streaming', by: this.instance });
    res.once('close', () => {
      copy.openStreams--;
      copy.lastActiveAt = Date.now();
    });
  }

  /**
   * The POST's request when the lean lane may answer it (lean-lane.ts): the copy is this
   * instance's current one, and its transport was initialized (the SDK's session rungs).
   */
  private leanRequest(copy: LocalCopy, req: IncomingMessage, body: unknown): LeanRequest | null {
    if (!this.options.leanLane || req.method !== 'POST') return null;
    if (copy.transport.sessionId === undefined || this.copies.get(copy.id) !== copy) return null;
    return leanSessionRequestFor(req, body);
  }

  /** Lets tool calls of this POST learn whether their answer reached the client. */
  private trackRequests(copy: LocalCopy, res: ServerResponse, body: unknown): void {
    const ids = (Array.isArray(body) ? body : [body])
      .map((message) => (message as { id?: unknown; method?: unknown }) ?? {})
      .filter((message) => typeof message.method === 'string')
      .map((message) => message.id)
      .filter((id): id is string | number => typeof id === 'string' || typeof id === 'number');
    if (ids.length === 0) return;
    const channel = responseChannel(res);
    const forget = ids.map((id) => copy.session.responses.register(id, channel));
    res.once('close', () => {
      for (const drop of forget) drop();
    });
  }

  /**
   * Renews the records of sessions with an open GET stream here (listening is activity), and drops
   * copies nobody used for the TTL (the record may live on elsewhere; a later request rebuilds it).
   */
  private async sweep(): Promise<void> {
    const now = Date.now();
    for (const copy of [...this.copies.values()]) {
      if (copy.openStreams > 0 && now - copy.touchedAt >= this.touchEveryMs) {
        const record = await this.options.records
          .touch(copy.id, now, this.options.idleTtlMs)
          .catch(() => undefined);
        if (record) copy.touchedAt = now;
        if (record === null) await this.drop(copy.id);
      } else if (copy.openStreams === 0 && copy.lastActiveAt < now - this.options.idleTtlMs) {
        await this.drop(copy.id);
      }
    }
  }

  /** Forgets this instance's copy first, so that closing it (which calls back here) happens once. */
  private async drop(id: string): Promise<void> {
    const copy = this.copies.get(id);
    if (!copy) return;
    this.copies.delete(id);
    copy.stopSignals();
    await copy.transport.close().catch(() => {});
    await copy.close();
  }
}

/**
 * An SSE stream's headers go out at once, not with its first event: a GET stream may stay silent
 * for a long time, and a client whose GET never got its headers takes a dropped connection for a
 * stream that never opened, so it does not reconnect (the SDK clients behave so).
 */
function flushHeadersOnWrite(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    const written = writeHead(...args);
    res.flushHeaders();
    return written;
  }) as ServerResponse['writeHead'];
}

function unavailable(res: ServerResponse): void {
  res.setHeader('retry-after', '1');
  sendRpcError(res, 503, -32000, 'Storage is unavailable right now; try again in a moment.');
}
