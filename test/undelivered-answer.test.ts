import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { responseChannel } from '../src/http/response-channel.js';
import { until } from './support/poll.js';

// Found by `npm run torture` (disconnect storms): a client that dropped its connection a moment
// before a wait's answer was written lost the messages, because the write itself succeeded (the
// server had not read the hang-up yet). The connection's reset, or its hang-up read right after,
// now marks the answer undelivered, so the messages are put back.

let server: Server;
let agent: Agent;
let pending: ((exchange: { req: IncomingMessage; res: ServerResponse }) => void) | undefined;

beforeEach(async () => {
  server = createServer((req, res) => pending?.({ req, res }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  agent = new Agent({ keepAlive: true });
});
afterEach(async () => {
  agent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A request held open by the server until the test answers it. */
async function exchange(headers: Record<string, string> = {}) {
  const arrived = new Promise<{ req: IncomingMessage; res: ServerResponse }>((resolve) => {
    pending = resolve;
  });
  const { port } = server.address() as AddressInfo;
  const client = request({ host: '127.0.0.1', port, method: 'POST', agent, headers });
  let body = '';
  const response = new Promise<string>((resolve, reject) => {
    client.on('error', reject);
    client.on('response', (res) => {
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve(body));
    });
  });
  // The tests that hang up expect the request to fail; the others await the response.
  response.catch(() => undefined);
  client.end('{}');
  const { res } = await arrived;
  let undelivered = false;
  responseChannel(res).onUndelivered(() => {
    undelivered = true;
  });
  return { client, res, response, undelivered: () => undelivered };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

describe('an answer written just after the client hung up', () => {
  it('is undelivered, though the write succeeded', async () => {
    const { client, res, undelivered } = await exchange();
    // The hang-up and the answer in the same turn: the server writes before it reads the hang-up.
    client.destroy();
    res.end('{"answer":1}');
    await until(
      () => (undelivered() ? true : undefined),
      () => 'the answer to be found undelivered',
    );
  });

  it('is delivered when the client read it and keeps the connection', async () => {
    const { res, response, undelivered } = await exchange();
    res.end('{"answer":2}');
    expect(await response).toBe('{"answer":2}');
    await settle();
    expect(undelivered()).toBe(false);
  });

  it('is delivered when the client read it and asked to close the connection', async () => {
    const { res, response, undelivered } = await exchange({ connection: 'close' });
    res.end('{"answer":3}');
    expect(await response).toBe('{"answer":3}');
    await settle();
    expect(undelivered()).toBe(false);
  });

  it('is undelivered when the connection went before the answer', async () => {
    const { client, res, undelivered } = await exchange();
    client.destroy();
    await until(
      () => (res.destroyed ? true : undefined),
      () => 'the server to see the hang-up',
    );
    res.end('{"answer":4}');
    expect(undelivered()).toBe(true);
  });
});
