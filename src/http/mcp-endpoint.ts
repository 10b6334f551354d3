import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  classifyInboundRequest,
  createMcpHandler,
  isJsonContentType,
  type Server,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { SessionRecords } from '../chat/index.js';
import { originAuthInfo } from '../mcp/caller.js';
import type { CallStream } from '../mcp/lean-calls.js';
import type { LeanRequest } from '../mcp/lean-requests.js';
import type { SessionRecordHooks, SessionServer } from '../mcp/server.js';
import type { RequestCaller } from './auth/types.js';
import { readBody } from './body.js';
import { callStream } from './call-stream.js';
import type { ReplayWindow } from './event-store.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth.js';
import { leanRequestFor } from './lean-lane.js';
import { LegacySessions } from './legacy-sessions.js';
import { sendRpcError } from './replies.js';

export interface McpEndpointOptions {
  /** A server object for one 2026-07-28 request. */
  createServer: () => Server;
  /** A server object with its push channel, for one 2025-era session. */
  createSession: (hooks: SessionRecordHooks) => SessionServer;
  /** Where 2025-era sessions are kept, for every instance. */
  sessionRecords: SessionRecords;
  /**
   * Answers a plain 2026-07-28 `tools/call` or `tools/list` without a per-request server object
   * (the lean lane, mcp/lean-calls.ts). Without it the SDK answers every request, in both eras:
   * 2025-era sessions take the lane (SessionServer.answer) only alongside it.
   */
  answerLean?: (request: LeanRequest, stream: CallStream, origin: RequestCaller) => Promise<void>;
  sessionIdleTtlMs: number;
  maxSessionsPerCaller: number;
  replayWindow: ReplayWindow;
  logger: Logger;
  maxBodyBytes: number;
}

export interface McpEndpoint {
  handle(req: IncomingMessage, res: ServerResponse, caller: RequestCaller): Promise<void>;
  readonly sessions: LegacySessions;
  close(): Promise<void>;
}

/**
 * `/mcp` for both protocol eras. The body is read and parsed once here; the SDK's own classifier
 * decides the era. 2026-07-28 requests go to a strict per-request handler (one fresh server
 * object each); 2025-era traffic goes to the session table, where each session keeps its server
 * object so that notifications and cancellations reach it.
 */
export function createMcpEndpoint(options: McpEndpointOptions): McpEndpoint {
  const { createServer, logger, maxBodyBytes } = options;
  const onerror = (error: Error) => logger.debug({ err: error }, 'mcp transport error');
  const modern = createMcpHandler(() => createServer(), {
    legacy: 'reject',
    onerror,
    maxRequestBodySize: maxBodyBytes,
  });
  const modernNode = toNodeHandler(modern, { onerror, maxRequestBodySize: maxBodyBytes });
  const sessions = new LegacySessions({
    createSession: options.createSession,
    records: options.sessionRecords,
    idleTtlMs: options.sessionIdleTtlMs,
    maxPerCaller: options.maxSessionsPerCaller,
    replayWindow: options.replayWindow,
    leanLane: options.answerLean !== undefined,
    logger,
  });

  async function handle(req: IncomingMessage, res: ServerResponse, caller: RequestCaller): Promise<void> {
    // The SDK hands `req.auth` to tool handlers as `authInfo`: that is how the caller reaches them.
    (req as IncomingMessage & { auth?: unknown }).auth = originAuthInfo(caller);
    if (req.method !== 'POST') {
      // Body-less session operations (GET stream, DELETE) exist only in the 2025 era.
      if (req.method === 'GET' || req.method === 'DELETE') return sessions.handle(req, res, caller);
      res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
      return;
    }
    if (!isJsonContentType(req.headers['content-type'] ?? '')) {
      sendRpcError(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json.');
      return;
    }
    const read = await readBody(req, maxBodyBytes);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too_large') {
      res.setHeader('connection', 'close');
      sendRpcError(res, 413, -32000, `Request body larger than ${maxBodyBytes} bytes.`);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch {
      sendRpcError(res, 400, -32700, 'Parse error: the request body is not valid JSON.');
      return;
    }
    if (nestedDeeperThan(body, MAX_JSON_DEPTH)) {
      sendRpcError(res, 400, -32600, `Invalid Request: JSON nested more than ${MAX_JSON_DEPTH} levels deep.`);
      return;
    }
    const route = classifyInboundRequest({
      httpMethod: 'POST',
      protocolVersionHeader: header(req, 'mcp-protocol-version'),
      mcpMethodHeader: header(req, 'mcp-method'),
      mcpNameHeader: header(req, 'mcp-name'),
      body,
    });
    if (route.kind === 'legacy') return sessions.handle(req, res, caller, body);
    const lean = options.answerLean ? leanRequestFor(req, route) : null;
    if (lean) return options.answerLean?.(lean, callStream(res), caller);
    return modernNode(req, res, body);
  }

  return {
    handle,
    sessions,
    close: async () => {
      await sessions.closeAll();
      await modern.close();
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
