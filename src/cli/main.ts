#!/usr/bin/env node
import { VERSION } from '../version.js';
import { AdminUsageError, runAdmin } from './admin.js';
import { runChat } from './chat/index.js';
import { ChatUsageError } from './chat/options.js';
import { ConfigError, loadServeConfig, serveHelp } from './config.js';
import { createLogger, startServer } from './serve.js';
import { runStdio } from './stdio.js';
import { stdioHelp } from './stdio-options.js';

const USAGE = `Usage: mcp-chat [serve|stdio|chat] [options]

Commands:
  serve    Run the MCP Chat server (the default). See: mcp-chat serve --help
  stdio    An MCP server on stdin/stdout, for clients that start servers. See: mcp-chat stdio --help
  chat     Chat from a terminal through a running server. See: mcp-chat chat --help
  admin    Operators: reports, ban, unban. See: mcp-chat admin --help

Options:
  --version  Print the version.
  --help     Show this help.`;

/** Exits within 10 s of a signal even if something hangs (the contract's limit). */
const HARD_EXIT_MS = 9_000;

async function serve(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(serveHelp());
    return;
  }
  let config: ReturnType<typeof loadServeConfig>;
  try {
    config = loadServeConfig(args, process.env);
  } catch (error) {
    console.error(`mcp-chat: ${(error as Error).message}`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger).catch((error: unknown) => {
    logger.fatal({ err: error }, 'mcp-chat could not start');
    process.exit(1);
  });
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, HARD_EXIT_MS).unref();
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

async function stdio(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    // stderr: even the help never lands on a protocol stream by accident.
    console.error(stdioHelp());
    return;
  }
  try {
    await runStdio(args, process.env);
  } catch (error) {
    // Only stderr: stdout is the protocol.
    console.error(`mcp-chat stdio: ${(error as Error).message}`);
    const usage =
      error instanceof ConfigError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    process.exit(usage ? 2 : 1);
  }
}

async function chat(args: string[]): Promise<void> {
  try {
    // Exits explicitly: the MCP client may keep idle sockets open for a while after the chat is over.
    process.exit(await runChat(args));
  } catch (error) {
    if (!(error instanceof ChatUsageError)) throw error;
    console.error(`mcp-chat chat: ${error.message}\nSee: mcp-chat chat --help`);
    process.exit(2);
  }
}

async function admin(args: string[]): Promise<void> {
  try {
    process.exit(await runAdmin(args, process.env));
  } catch (error) {
    const usage =
      error instanceof AdminUsageError ||
      String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    console.error(
      `mcp-chat admin: ${(error as Error).message}${usage ? '\nSee: mcp-chat admin --help' : ''}`,
    );
    process.exit(usage ? 2 : 1);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    console.log(VERSION);
    return;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  if (command === undefined || command.startsWith('-')) return serve(argv);
  if (command === 'serve') return serve(rest);
  if (command === 'stdio') return stdio(rest);
  if (command === 'chat') return chat(rest);
  if (command === 'admin') return admin(rest);
  console.error(`mcp-chat: unknown command "${command}".\n\n${USAGE}`);
  process.exit(2);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `mcp-chat: ${error.message}` : error);
  process.exit(1);
});
