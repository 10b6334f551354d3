import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build` puts the web client (`web/` built by Vite): the page served at `/`, and
 * the MCP App view as one self-contained file. This module sits one folder below the package
 * root both as source (src/) and built (dist/), so the same relative path finds it either way.
 */
export const WEB_DIST_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url));

/** The MCP App view: one HTML file with its script and styles inside. */
export const MCP_APP_HTML = fileURLToPath(new URL('../dist/web/app/mcp-app.html', import.meta.url));
