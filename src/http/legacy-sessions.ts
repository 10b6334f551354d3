import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest, type McpServer } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { sendRpcError } from './replies.js';

export interface LegacySession {
  id: string;
  server: McpServer;
  transport: NodeStreamableHTTPServerTransport;
  lastActiveAt: number;
}

export interface LegacySessionsOptions {
  /** Builds the MCP server object of a new session. */
  createServer: () => McpServer;
  logger: Logger;
}

/**
 * 2025-era sessions: `initialize` opens one (its own transport and server object), requests carry
 * `Mcp-Session-Id`, `DELETE` ends it. Sessions live in this process's memory, so behind a load
 * balancer a 2025-era client needs affinity by `Mcp-Session-Id`.
 */
export class LegacySessions {
  private readonly sessions = new Map<string, LegacySession>();
  private readonly createServer: () => McpServer;
  private readonly logger: Logger;

  constructor({ createServer, logger }: LegacySessionsOptions) {
    this.createServer = createServer;
    this.logger = logger;
  }

  get size(): number {
    return this.sessions.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = this.sessions.get(sessionId);
      if (!session) {
        sendRpcError(
          res,
          404,
          -32001,
          'Session not found: it ended or the server restarted. Initialize a new session.',
        );
        return;
      }
      session.lastActiveAt = Date.now();
      await session.transport.handleRequest(req, res, body);
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
    await Promise.allSettled([...this.sessions.values()].map((session) => session.transport.close()));
    this.sessions.clear();
  }

  private async open(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const server = this.createServer();
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, { id, server, transport, lastActiveAt: Date.now() });
        this.logger.debug({ session: id }, 'session opened');
      },
      onsessionclosed: (id) => {
        this.forget(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.forget(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
    if (!transport.sessionId) await server.close();
  }

  private forget(id: string): void {
    if (this.sessions.delete(id)) this.logger.debug({ session: id }, 'session closed');
  }
}
