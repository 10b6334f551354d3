import { type CliProcess, runCli } from './cli.js';
import { until } from './poll.js';

/** `mcp-chat serve` as its own process, resolved once /healthz answers. */
export async function startServerProcess(port: number, db: string): Promise<CliProcess> {
  const server = runCli(['serve', '--port', String(port), '--db', db, '--log-level', 'warn']);
  let exited = false;
  void server.exited.then(() => {
    exited = true;
  });
  await until(
    async () => {
      if (exited) throw new Error(`mcp-chat serve exited: ${server.stderr().join('\n')}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      return ok ? true : undefined;
    },
    () => `mcp-chat serve to answer on port ${port}`,
  );
  return server;
}
