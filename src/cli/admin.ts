import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Report } from '../chat/index.js';
import { loadServeConfig } from './config.js';
import { createChat, openEngine } from './serve.js';

export const ADMIN_USAGE = `Usage: mcp-chat admin <command> [options]

Operators' commands, over the same storage as the servers (whoever can open the SQLite file or
Redis is an operator). A ban reaches every instance and process on that storage at once.

Commands:
  reports [--limit N] [--json]      The newest reports first (default 50).
  ban USER_ID [--reason TEXT]       Ban a participant: it leaves its queue and rooms (partners are
                                    told it left), its parked waits end, and its calls answer "banned".
  unban USER_ID                     Lift a ban.

Storage options (as for mcp-chat serve; the same variables work):
  --db PATH                         SQLite file (MCP_CHAT_DB, default ./data/mcp-chat.db)
  --redis-url URL                   Redis (MCP_CHAT_REDIS_URL)
  --redis-prefix PREFIX             Redis key prefix (MCP_CHAT_REDIS_PREFIX, default mcp-chat:)`;

export class AdminUsageError extends Error {}

/** Runs one admin command; resolves with the exit status. Output goes to `print`. */
export async function runAdmin(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  print: (line: string) => void = (line) => console.log(line),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      db: { type: 'string' },
      'redis-url': { type: 'string' },
      'redis-prefix': { type: 'string' },
      reason: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [command, userId, ...extra] = positionals;
  if (values.help || command === undefined) {
    print(ADMIN_USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (extra.length > 0) throw new AdminUsageError(`unexpected arguments: ${extra.join(' ')}`);
  if ((command === 'ban' || command === 'unban') && userId === undefined) {
    throw new AdminUsageError(`${command} needs a USER_ID (u_..., as reports and results show it)`);
  }
  if (command !== 'reports' && command !== 'ban' && command !== 'unban') {
    throw new AdminUsageError(`unknown command "${command}"`);
  }
  const storage = ['db', 'redis-url', 'redis-prefix'].flatMap((flag) => {
    const value = values[flag as 'db'];
    return typeof value === 'string' ? [`--${flag}`, value] : [];
  });
  // Only the storage settings matter here; the server's own (host, auth) are not checked.
  const config = loadServeConfig(['--host', '127.0.0.1', '--auth', 'none', ...storage], env);
  const { engine, connected } = openEngine(config, pino({ level: 'silent' }));
  try {
    await connected;
    const chat = createChat(config, engine);
    if (command === 'reports') {
      const limit = Number(values.limit ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new AdminUsageError('--limit must be a whole number from 1 to 10000');
      }
      const reports = await chat.safety.listReports(limit);
      for (const report of reports) print(values.json ? JSON.stringify(report) : reportLine(report));
      if (!values.json && reports.length === 0) print('No reports.');
      return 0;
    }
    const target = userId as string;
    if (command === 'ban') {
      const reason = typeof values.reason === 'string' ? values.reason : 'banned by the operator';
      const fresh = await chat.safety.ban(target, reason);
      print(
        fresh ? `Banned ${target}.` : `${target} was banned already; taken out of its queue and rooms again.`,
      );
      return 0;
    }
    print((await chat.safety.unban(target)) ? `Unbanned ${target}.` : `${target} was not banned.`);
    return 0;
  } finally {
    await engine.close();
  }
}

function reportLine(report: Report): string {
  const where = report.roomId === null ? '' : ` in ${report.roomId}`;
  const messages =
    report.messageIds.length === 0 ? 'no messages' : `messages ${report.messageIds.join(', ')}`;
  return `${new Date(report.createdAt).toISOString()}  ${report.reportId}  ${report.reportedId} reported by ${report.reporterId}${where}: ${JSON.stringify(report.reason)} (${messages})`;
}
