/**
 * Fuzzing with fast-check against the real server in its own process (SQLite file): generated
 * HTTP requests, valid and malformed, must never crash it or get a 5xx; generated sequences of
 * tool calls by several clients of both eras must match the chat model. A failing input is shrunk
 * and saved under torture/counterexamples/ to become a regression test.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { type ServerProcess, spawnServer } from '../test/support/process.js';
import { commands } from './chat-commands.js';
import { CLIENTS, emptyModel, type Real, ROOMS } from './chat-model.js';
import { UNLIMITED } from './crash.js';
import { malformedRequest, type RawRequest } from './requests.js';
import { WireClient } from './wire.js';

export interface FuzzSettings {
  protocolRuns: number;
  modelRuns: number;
}

const COUNTEREXAMPLES = fileURLToPath(new URL('./counterexamples/', import.meta.url));

interface Answer {
  status: number;
  text: string;
}

/** Sends the request over a socket of its own, so that truncated and odd bodies go out as built. */
function send(port: number, request: RawRequest): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text: text.slice(0, 2000) });
    });
    const body = Buffer.from(request.body, 'utf8');
    const length = request.truncate ? body.length + 10 : body.length;
    const headers = Object.entries({ ...request.headers, host: `127.0.0.1:${port}`, connection: 'close' })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`${request.method} /mcp HTTP/1.1\r\n${headers}content-length: ${length}\r\n\r\n`);
    socket.write(body);
    // A truncated body: the client stops writing and says so; the server must not wait forever or fail.
    socket.end();
  });
}

export async function fuzzPhase(settings: FuzzSettings) {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-fuzz-'));
  const args = ['--db', join(dir, 'chat.db'), ...UNLIMITED, '--log-level', 'warn'];
  let server: ServerProcess = await spawnServer(args);
  const port = () => Number(new URL(server.url).port);
  const figures = { calls: 0, crashes: 0, http_5xx: 0, model_violations: 0, counterexamples: 0 };
  const crashed = () => server.child.exitCode !== null || server.child.signalCode !== null;
  const restartIfCrashed = async () => {
    if (!crashed()) return false;
    figures.crashes++;
    process.stderr.write(`torture: fuzz crashed the server:\n${server.stderr().slice(-3000)}\n`);
    server = await spawnServer(args);
    return true;
  };
  const save = (kind: string, counterexample: unknown, error: unknown) => {
    mkdirSync(COUNTEREXAMPLES, { recursive: true });
    const file = join(COUNTEREXAMPLES, `${kind}-${Date.now()}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ kind, counterexample: fc.stringify(counterexample), error: String(error) }, null, 2)}\n`,
    );
    figures.counterexamples++;
    process.stderr.write(
      `torture: fuzz ${kind} counterexample saved to ${file}\n${String(error).slice(0, 2000)}\n`,
    );
  };
  try {
    // Requests of every shape: a 5xx or a dead server is a failure; so is a tool answered internal_error.
    const protocol = await fc.check(
      fc.asyncProperty(malformedRequest, async (request) => {
        figures.calls++;
        const answer = await send(port(), request);
        if (await restartIfCrashed()) throw new Error('the server exited');
        if (answer.status >= 500) {
          figures.http_5xx++;
          throw new Error(`HTTP ${answer.status}: ${answer.text}`);
        }
        if (/"code"\s*:\s*"internal_error"|"code"\s*:\s*-32603/.test(answer.text)) {
          figures.model_violations++;
          throw new Error(`internal error: ${answer.text}`);
        }
      }),
      { numRuns: settings.protocolRuns },
    );
    if (protocol.failed) save('protocol', protocol.counterexample, protocol.errorInstance);

    const calls = { n: 0 };
    const model = await fc.check(
      fc.asyncProperty(commands, fc.boolean(), async (sequence, thirdIsLegacy) => {
        const tag = randomUUID().slice(0, 8);
        const clients = Array.from(
          { length: CLIENTS },
          (_, c) =>
            new WireClient(
              [`${server.url}/mcp`],
              c === 1 || (c === 2 && thirdIsLegacy) ? 'legacy' : 'modern',
              1,
            ),
        );
        const real: Real = {
          clients,
          ids: [],
          roomIds: Array.from({ length: ROOMS }, (_, r) => `fuzz-${tag}-${r}`),
          calls,
        };
        try {
          await fc.asyncModelRun(() => ({ model: emptyModel(), real }), sequence);
        } finally {
          await Promise.all(clients.map((client) => client.close()));
          await restartIfCrashed();
        }
      }),
      { numRuns: settings.modelRuns },
    );
    figures.calls += calls.n;
    if (model.failed) {
      figures.model_violations++;
      save('model', model.counterexample, model.errorInstance);
    }
    return figures;
  } finally {
    if (!crashed()) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
