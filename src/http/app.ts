import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server as McpProtocolServer } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { SessionRecords } from '../chat/index.js';
import type { CallStream } from '../mcp/lean-calls.js';
import type { LeanRequest } from '../mcp/lean-requests.js';
import type { SessionRecordHooks, SessionServer } from '../mcp/server.js';
import { AccessGate, type AccessSettings } from './auth/gate.js';
import type { RequestCaller } from './auth/types.js';
import { createMcpEndpoint, type McpEndpoint } from './mcp-endpoint.js';
import { hostAllowed, isLoopbackHost, originAllowed } from './origin.js';
import { sendJson, sendRpcError } from './replies.js';
import type { WebPage } from './web-page.js';

export interface HttpAppOptions {
  host: string;
  port: number;
  allowedOrigins: ReadonlySet<string>;
  maxBodyBytes: number;
  createServer: () => McpProtocolServer;
  createSession: (hooks: SessionRecordHooks) => SessionServer;
  /** Where 2025-era sessions are kept, so that every instance can serve them. */
  sessionRecords: SessionRecords;
  /** The lean lane of the 2026-07-28 era (see mcp-endpoint.ts); without it the SDK answers all. */
  answerLean?: (request: LeanRequest, stream: CallStream, origin: RequestCaller) => Promise<void>;
  sessionIdleTtlMs: number;
  /** Open 2025-era sessions one caller (subject, or IP without access control) may hold. */
  maxSessionsPerCaller: number;
  access: AccessSettings;
  /** Resolves when storage answers, rejects when it does not: drives /healthz. */
  checkStorage: () => Promise<void>;
  /** Answers every parked wait at once; called first on shutdown. */
  releaseWaits: () => void;
  /** Renders `/metrics` (Prometheus text format). */
  renderMetrics: () => Promise<{ contentType: string; body: string }>;
  logger: Logger;
  /** The web chat at `/` (off with MCP_CHAT_WEB=off). */
  webPage?: WebPage;
}

/** How far back a reconnecting 2025-era GET stream can resume with Last-Event-ID. */
const REPLAY_WINDOW = { maxAgeMs: 5 * 60_000, maxEvents: 1000 };

/** RFC 9728 metadata: for the resource `/mcp` (where clients look first), and for the server as a whole. */
const PROTECTED_RESOURCE_PATHS = new Set([
  '/.well-known/oauth-protected-resource/mcp',
  '/.well-known/oauth-protected-resource',
]);

/** Longest a shutdown waits for calls in flight before closing their connections. */
const DRAIN_TIMEOUT_MS = 5000;
/**
 * Connections the kernel may hold before the server accepts them (it caps this at somaxconn).
 * Node's default of 511 is too few for thousands of long-poll clients that reconnect at once (after
 * a restart, or a storm of drops) while the server is busy: the kernel drops the connections that
 * overflow, and their calls hang for minutes before a reset.
 */
const LISTEN_BACKLOG = 8192;

/**
 * The HTTP server: `/mcp` for both protocol eras, `/healthz`, Origin and Host checks, and a
 * graceful shutdown that answers parked waits before it closes anything.
 */
export class HttpApp {
  private readonly options: HttpAppOptions;
  private readonly server: Server;
  private readonly endpoint: McpEndpoint;
  private readonly boundToLoopback: boolean;
  /** The host name of MCP_CHAT_PUBLIC_URL, allowed as Host even on loopback (a local reverse proxy). */
  private readonly publicHost: string | undefined;
  /** Built once the server listens: the default public URL is the address it listens on. */
  private gate: AccessGate | undefined;
  private draining = false;
  /** POSTs being answered; GET streams are not counted, they never finish by themselves. */
  private readonly inFlight = new Set<ServerResponse>();
  /** The one 'close' listener of every POST response: the response it is called on leaves `inFlight`. */
  private readonly forgetInFlight = ((inFlight: Set<ServerResponse>) =>
    function forget(this: ServerResponse) {
      inFlight.delete(this);
    })(this.inFlight);

  constructor(options: HttpAppOptions) {
    this.options = options;
    this.boundToLoopback = isLoopbackHost(options.host);
    this.publicHost = options.access.publicUrl ? new URL(options.access.publicUrl).hostname : undefined;
    this.endpoint = createMcpEndpoint({
      createServer: options.createServer,
      createSession: options.createSession,
      sessionRecords: options.sessionRecords,
      answerLean: options.answerLean,
      sessionIdleTtlMs: options.sessionIdleTtlMs,
      maxSessionsPerCaller: options.maxSessionsPerCaller,
      replayWindow: REPLAY_WINDOW,
      logger: options.logger,
      maxBodyBytes: options.maxBodyBytes,
    });
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        options.logger.error({ err: error, url: req.url }, 'request failed');
        if (!res.headersSent) sendRpcError(res, 500, -32603, 'Internal error.');
        else res.end();
      });
    });
    // Long-polls hold a response open for up to 300 s; nothing here may cut them short.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.keepAliveTimeout = 65_000;
  }

  get sessionCount(): number {
    return this.endpoint.sessions.size;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(
        { port: this.options.port, host: this.options.host, backlog: LISTEN_BACKLOG },
        () => {
          this.server.off('error', reject);
          resolve();
        },
      );
    });
    const { address, port } = this.server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    const url = `http://${host}:${port}`;
    this.gate = new AccessGate(this.options.access, url, this.options.logger);
    return url;
  }

  /** The access layer, once listening: its resource URL and metadata. */
  get access(): AccessGate {
    if (!this.gate) throw new Error('the server is not listening yet');
    return this.gate;
  }

  /**
   * Stops accepting (new requests get 503), answers parked waits with their timeout result, lets
   * calls in flight finish (up to 5 s), then closes sessions and connections.
   */
  async shutdown(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    this.options.releaseWaits();
    await this.drain();
    await this.endpoint.close();
    this.server.closeAllConnections();
    await closed;
  }

  private async drain(): Promise<void> {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.draining) {
      res.setHeader('connection', 'close');
      sendJson(res, 503, { status: 'shutting_down' }, { 'retry-after': '5' });
      return;
    }
    // Every path, not only /mcp: a rebinding page must not read metrics either.
    if (
      !originAllowed(req, this.options.allowedOrigins) ||
      !hostAllowed(req, this.boundToLoopback, this.publicHost)
    ) {
      sendRpcError(
        res,
        403,
        -32000,
        'Forbidden: this Origin or Host is not allowed (see MCP_CHAT_ALLOWED_ORIGINS).',
      );
      return;
    }
    const gate = this.access;
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return this.health(res);
    if (PROTECTED_RESOURCE_PATHS.has(path ?? '') && req.method === 'GET') {
      // Open servers answer 404 here, so that clients do not start an OAuth flow against them.
      const metadata = gate.metadata();
      if (metadata) sendJson(res, 200, metadata, { 'cache-control': 'max-age=300' });
      else sendJson(res, 404, { error: 'Not found: this server does not use access tokens.' });
      return;
    }
    if (path === '/metrics' && req.method === 'GET') {
      if (!(await gate.admitAdmin(req, res))) return;
      const { contentType, body } = await this.options.renderMetrics();
      res.writeHead(200, { 'content-type': contentType }).end(body);
      return;
    }
    if (this.options.webPage?.serve(req, res, path ?? '/')) return;
    if (path !== '/mcp') {
      sendJson(res, 404, { error: 'Not found. The MCP endpoint is /mcp.' });
      return;
    }
    if (req.method === 'POST') {
      this.inFlight.add(res);
      // One shared listener (the response is `this`): a parked wait holds its response for minutes.
      res.on('close', this.forgetInFlight);
    }
    const admission = await gate.admit(req, res);
    // Returned, not awaited: a parked wait would hold this frame suspended for minutes.
    if (admission.admitted) return this.endpoint.handle(req, res, admission.caller);
  }

  private async health(res: ServerResponse): Promise<void> {
    try {
      await this.options.checkStorage();
      sendJson(res, 200, { status: 'ok' });
    } catch {
      sendJson(res, 503, { status: 'unavailable' });
    }
  }
}
