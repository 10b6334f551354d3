import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';

/**
 * The page may run only its own scripts and styles and talk only to this origin (its MCP
 * endpoint) and, with oauth, the authorization server; nothing may frame it. An invite link in
 * the address must not leak as a referrer.
 */
function pageHeaders(connectSources: readonly string[]) {
  return {
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      ["connect-src 'self'", ...connectSources].join(' '),
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    ...OTHER_HEADERS,
  };
}

const OTHER_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
} as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

interface File {
  body: Buffer;
  type: string;
}

export interface WebPage {
  /** Answers `GET`/`HEAD` of `/`, `/r/ROOM_ID` and `/assets/…`; returns false for any other request. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean;
}

/**
 * The web chat for people, built by `npm run build` into `dir` and read once at start. The
 * shell (index.html) is revalidated on every load so a deploy takes effect at once; the assets
 * have content hashes in their names and are cached for good.
 */
export function loadWebPage(
  dir: string,
  /** Origins the page may call besides its own: the authorization server, with oauth. */
  connectSources: readonly string[] = [],
): WebPage {
  const headers = pageHeaders(connectSources);
  const indexPath = join(dir, 'index.html');
  const index: File | undefined = existsSync(indexPath)
    ? { body: readFileSync(indexPath), type: TYPES['.html'] as string }
    : undefined;
  const assets = new Map<string, File>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      assets.set(`/assets/${name}`, {
        body: readFileSync(join(assetDir, name)),
        type: TYPES[extname(name)] ?? 'application/octet-stream',
      });
    }
  }
  return {
    serve(req, res, path) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (path === '/' || /^\/r\/[^/]+\/?$/.test(path)) {
        if (!index) {
          res
            .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
            .end('The web page has not been built: run npm run build.\n');
          return true;
        }
        send(req, res, headers, index, 'no-cache');
        return true;
      }
      const asset = assets.get(path);
      if (!asset) return false;
      send(req, res, headers, asset, 'public, max-age=31536000, immutable');
      return true;
    },
  };
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
  file: File,
  cacheControl: string,
): void {
  res.writeHead(200, {
    ...headers,
    'content-type': file.type,
    'content-length': file.body.length,
    'cache-control': cacheControl,
  });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}
