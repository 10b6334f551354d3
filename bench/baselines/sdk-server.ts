/**
 * The framework floor: a minimal MCP server on the same official SDK and the same HTTP wiring as
 * MCP Chat (2026-07-28 per request; 2025-era sessions in a table), with tools that do nothing but
 * the least: `noop`, `send {room, text}`, and `wait {room, after, timeout}` that parks until a
 * send to its room. Run: node --import tsx bench/baselines/sdk-server.ts PORT
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import {
  classifyInboundRequest,
  createMcpHandler,
  isInitializeRequest,
  McpServer,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { BaselineRooms, memoryReport } from './rooms.js';

const rooms = new BaselineRooms();
const port = Number(process.argv[2] ?? 0);

function text(value: unknown) {
  const structured = value as Record<string, unknown>;
  return {
    content: [{ type: 'text' as const, text: JSON.stringify(structured) }],
    structuredContent: structured,
  };
}

function build(): McpServer {
  const server = new McpServer({ name: 'sdk-baseline', version: '1.0.0' });
  server.registerTool('noop', { inputSchema: z.object({}) }, async () => text({ ok: true }));
  server.registerTool(
    'send',
    { inputSchema: z.object({ room: z.string(), text: z.string() }) },
    async ({ room, text: t }) => text({ seq: rooms.send(room, t) }),
  );
  server.registerTool(
    'wait',
    { inputSchema: z.object({ room: z.string(), after: z.number(), timeout: z.number() }) },
    async ({ room, after, timeout }, ctx) => {
      const messages = await rooms.wait(room, after, timeout * 1000, ctx.mcpReq.signal);
      return text(messages.length > 0 ? { messages } : { timeout: true });
    },
  );
  return server;
}

const modern = toNodeHandler(createMcpHandler(build, { legacy: 'reject' }));
const sessions = new Map<string, NodeStreamableHTTPServerTransport>();

const http = createServer((req, res) => {
  if (req.method === 'GET' && req.url !== '/mcp') {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(req.url === '/memory' ? memoryReport() : '{"status":"ok"}');
    return;
  }
  const sessionId = req.headers['mcp-session-id'];
  if (req.method !== 'POST') {
    const transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (!transport) return void res.writeHead(404).end();
    return void transport.handleRequest(req, res);
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const route = classifyInboundRequest({
      httpMethod: 'POST',
      protocolVersionHeader: req.headers['mcp-protocol-version'] as string | undefined,
      mcpMethodHeader: req.headers['mcp-method'] as string | undefined,
      mcpNameHeader: req.headers['mcp-name'] as string | undefined,
      body,
    });
    if (route.kind !== 'legacy') return void modern(req, res, body);
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) return void existing.handleRequest(req, res, body);
    if (!isInitializeRequest(body)) return void res.writeHead(400).end();
    const server = build();
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, transport),
      onsessionclosed: (id) => {
        sessions.delete(id);
        setImmediate(() => void server.close());
      },
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
});
http.keepAliveTimeout = 65_000;
http.requestTimeout = 0;
http.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (http.address() as { port: number }).port }));
});
