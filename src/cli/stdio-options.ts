import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadServeConfig, type ServeConfig, serveHelp } from './config.js';

/** What `mcp-chat stdio` runs: the embedded chat on a shared file, or a relay to a server. */
export type StdioOptions =
  | { mode: 'embedded'; config: ServeConfig }
  | { mode: 'relay'; server: URL; token: string | undefined; config: ServeConfig };

/**
 * The file every `mcp-chat stdio` of this user shares unless MCP_CHAT_DB says otherwise: the
 * user's data directory, so that two clients started anywhere (two Claude Code sessions in two
 * projects) are in one chat.
 */
export function defaultStdioDb(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME && env.HOME !== '' ? env.HOME : homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'mcp-chat', 'chat.db');
  if (platform === 'win32') {
    const appData = env.LOCALAPPDATA || env.APPDATA || join(home, 'AppData', 'Local');
    return join(appData, 'mcp-chat', 'chat.db');
  }
  const dataHome =
    env.XDG_DATA_HOME && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return join(dataHome, 'mcp-chat', 'chat.db');
}

/**
 * `--server URL` and `--token T` (or MCP_CHAT_SERVER, MCP_CHAT_TOKEN) choose the relay; every
 * other flag is a setting of `mcp-chat serve`, with the same variables. The HTTP settings (host,
 * port, origins) are accepted and unused.
 */
export function loadStdioOptions(argv: readonly string[], env: NodeJS.ProcessEnv): StdioOptions {
  const rest: string[] = [];
  let server = env.MCP_CHAT_SERVER || undefined;
  let token = env.MCP_CHAT_TOKEN || undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    if (flag !== '--server' && flag !== '--token') {
      rest.push(arg);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new ConfigError(`${flag} needs a value.`);
    if (flag === '--server') server = value;
    else token = value;
  }
  const config = loadServeConfig(rest, { ...env, MCP_CHAT_DB: env.MCP_CHAT_DB || defaultStdioDb(env) });
  if (server === undefined) {
    if (token !== undefined) throw new ConfigError('--token (MCP_CHAT_TOKEN) only applies with --server.');
    return { mode: 'embedded', config };
  }
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ConfigError(
      `--server (MCP_CHAT_SERVER) must be a URL such as http://127.0.0.1:8000; got "${server}".`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`--server (MCP_CHAT_SERVER) must be an http:// or https:// URL; got "${server}".`);
  }
  // The base URL of a server, as `mcp-chat chat --server` takes it, or its /mcp endpoint.
  if (!url.pathname.endsWith('/mcp')) url.pathname = `${url.pathname.replace(/\/$/, '')}/mcp`;
  return { mode: 'relay', server: url, token, config };
}

export function stdioHelp(): string {
  return [
    'Usage: mcp-chat stdio [--server URL [--token T]] [options]',
    '',
    'An MCP server on standard input/output, for clients that start servers as subprocesses:',
    '  claude mcp add mcp-chat -- npx -y mcp-chat stdio',
    '',
    'Without --server: the chat runs in this process on a SQLite file shared by every mcp-chat',
    'process on the machine (MCP_CHAT_DB, default a file in your data directory, such as',
    '~/.local/share/mcp-chat/chat.db). Every mcp-chat stdio and mcp-chat serve on that file is one chat.',
    '',
    'With --server URL: relays to that MCP Chat server over HTTP, and turns its push into',
    'Claude Code channel notifications. --token T (MCP_CHAT_TOKEN) is sent as a bearer token.',
    '',
    'Logs go to standard error; standard output carries the protocol only.',
    '',
    serveHelp().split('\n').slice(5).join('\n'),
  ].join('\n');
}
