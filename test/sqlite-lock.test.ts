import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEngine } from '../src/engines/sqlite/engine.js';
import { DatabaseInUseError } from '../src/engines/sqlite/instance-lock.js';
import { type CliProcess, runCli } from './support/cli.js';
import { freePort } from './support/process.js';
import { startServerProcess } from './support/server-process.js';

/**
 * One process per SQLite file: wake-ups travel inside a process, so a second `mcp-chat serve` on
 * the same file would leave the first one's waits deaf to its messages. It must refuse to start.
 */
describe('one MCP Chat process per SQLite file', () => {
  let dir = '';
  const started: CliProcess[] = [];
  afterEach(async () => {
    for (const server of started.splice(0)) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function freshDb(): string {
    dir = mkdtempSync(join(tmpdir(), 'mcp-chat-lock-'));
    return join(dir, 'chat.db');
  }

  it('refuses a second serve process on the same file, naming it, and starts once the first is killed', async () => {
    const db = freshDb();
    const firstPort = await freePort();
    const first = await startServerProcess(firstPort, db);
    started.push(first);

    const second = runCli(['serve', '--port', String(await freePort()), '--db', db, '--log-level', 'warn']);
    started.push(second);
    expect(await second.exited).toBe(1);
    const said = [...second.stdout(), ...second.stderr()].join('\n');
    expect(said).toContain(`Another MCP Chat process uses the database file ${db}`);
    // The first one goes on serving.
    expect((await fetch(`http://127.0.0.1:${firstPort}/healthz`)).status).toBe(200);

    // kill -9 leaves no chance to clean up: the lock must not outlive the process.
    first.child.kill('SIGKILL');
    await first.exited;
    const third = await startServerProcess(await freePort(), db);
    started.push(third);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  });

  it('refuses a second engine on the same file within one process too, and frees the file on close', async () => {
    const db = freshDb();
    const first = new SqliteEngine({ path: db });
    expect(() => new SqliteEngine({ path: db })).toThrow(DatabaseInUseError);
    expect(() => new SqliteEngine({ path: db })).toThrow(/Another MCP Chat process uses the database file/);
    // The refused engine changed nothing: the first still works.
    await expect(first.ping()).resolves.toBeUndefined();
    await first.close();
    const again = new SqliteEngine({ path: db });
    await again.ping();
    await again.close();
  });

  it('lets any number of in-memory engines run side by side', async () => {
    const engines = [new SqliteEngine({ path: ':memory:' }), new SqliteEngine({ path: ':memory:' })];
    await Promise.all(engines.map((engine) => engine.ping()));
    await Promise.all(engines.map((engine) => engine.close()));
  });
});
