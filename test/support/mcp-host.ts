import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export interface TestHostServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Builds the test host page (test/support/mcp-host) and serves it on its own loopback port,
 * passing `/mcp` through to the chat server, as a host's backend would: the page's MCP client
 * then needs no CORS, and the chat server sees an ordinary loopback client.
 */
export async function startTestHost(mcpUrl: URL): Promise<TestHostServer> {
  const outDir = mkdtempSync(join(tmpdir(), 'mcp-chat-host-'));
  await build({
    root: fileURLToPath(new URL('./mcp-host', import.meta.url)),
    base: './',
    logLevel: 'warn',
    configFile: false,
    build: { outDir, emptyOutDir: true, minify: false },
  });
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/mcp')) {
      const upstream = request(
        new URL(req.url ?? '/mcp', mcpUrl),
        { method: req.method, headers: { ...req.headers, host: mcpUrl.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      return;
    }
    try {
      const file = readFileSync(join(outDir, path === '/' ? 'index.html' : path.slice(1)));
      const type = extname(path) === '.js' ? 'text/javascript' : 'text/html';
      res.writeHead(200, { 'content-type': type }).end(file);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
