/**
 * The ceiling: a minimal node:http server doing the chat's work without MCP. JSON-RPC POST in,
 * JSON out: `noop`, `send {room, text}`, and `wait {room, after, timeout}`, a long-poll that parks
 * until a send to its room. Run: node --import tsx bench/baselines/raw-server.ts PORT
 */
import { createServer } from 'node:http';
import { BaselineRooms, memoryReport } from './rooms.js';

const rooms = new BaselineRooms();
const port = Number(process.argv[2] ?? 0);

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(req.url === '/memory' ? memoryReport() : '{"status":"ok"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    const { id, method, params } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let result: unknown;
    if (method === 'send') result = { seq: rooms.send(params.room, params.text) };
    else if (method === 'wait') {
      const messages = await rooms.wait(params.room, params.after, params.timeout * 1000, abort.signal);
      result = messages.length > 0 ? { messages } : { timeout: true };
    } else result = {};
    const body = JSON.stringify({ jsonrpc: '2.0', id, result });
    if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as { port: number }).port }));
});
