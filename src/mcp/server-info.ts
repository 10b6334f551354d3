import { VERSION } from '../version.js';

/** How the server names itself to clients (in `initialize`, and in 2026-07-28 results' `_meta`). */
export const SERVER_INFO = { name: 'mcp-chat', title: 'MCP Chat', version: VERSION };
