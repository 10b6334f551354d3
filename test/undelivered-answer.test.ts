import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
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

// Found by `npm run torture` (disconnect storms, full scale): a client whose event loop was busy
// had the whole answer in its kernel, unread, when its own timeout dropped the request; its reset
// reached the server after the grace, so the answer counted as delivered and the wait's cursor
// stayed past messages the client never saw. A reset has no innocent reading (a client that read
// everything closes with a plain hang-up), so it counts until the connection carries a new request.
describe('a connection reset after the answer was written', () => {
  /** A keep-alive connection driven by hand, so the test decides when it resets. */
  async function rawConnection() {
    const { port } = server.address() as AddressInfo;
    const socket: Socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    const received: string[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk.toString()));
    const ask = async () => {
      const arrived = new Promise<{ req: IncomingMessage; res: ServerResponse }>((resolve) => {
        pending = resolve;
      });
      socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}');
      const { res } = await arrived;
      let undelivered = false;
      responseChannel(res).onUndelivered(() => {
        undelivered = true;
      });
      return { res, undelivered: () => undelivered };
    };
    const answered = (count: number) =>
      until(
        () => (received.join('').split('HTTP/1.1 200').length - 1 >= count ? true : undefined),
        () => `${count} answers to arrive`,
      );
    return { socket, ask, answered };
  }

  it('is undelivered however long after the grace the reset comes', async () => {
    const { socket, ask, answered } = await rawConnection();
    const first = await ask();
    first.res.end('{"answer":5}');
    await answered(1);
    // Past the grace for hang-ups: only the reset can still tell.
    await settle();
    expect(first.undelivered()).toBe(false);
    socket.resetAndDestroy();
    await until(
      () => (first.undelivered() ? true : undefined),
      () => 'the late reset to mark the answer undelivered',
    );
  });

  it('is about the newer answer once the connection carried another request', async () => {
    const { socket, ask, answered } = await rawConnection();
    const first = await ask();
    first.res.end('{"answer":6}');
    await answered(1);
    const second = await ask();
    second.res.end('{"answer":7}');
    await answered(2);
    socket.resetAndDestroy();
    await until(
      () => (second.undelivered() ? true : undefined),
      () => 'the reset to mark the newer answer undelivered',
    );
    expect(first.undelivered()).toBe(false);
  });

  it('is delivered when the hang-up came after the next request, within the grace', async () => {
    const { socket, ask, answered } = await rawConnection();
    const first = await ask();
    // As the answer arrives, the client asks again and hangs up: the server reads both within
    // the first answer's grace, as a server far behind reads a client's next call and its drop.
    socket.once('data', () => {
      socket.end('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}');
    });
    const arrived = new Promise<{ res: ServerResponse }>((resolve) => {
      pending = resolve;
    });
    first.res.end('{"answer":8}');
    await answered(1);
    const { res } = await arrived;
    let secondUndelivered = false;
    responseChannel(res).onUndelivered(() => {
      secondUndelivered = true;
    });
    await until(
      () => (secondUndelivered ? true : undefined),
      () => 'the hang-up to mark the pending second answer undelivered',
    );
    await settle();
    expect(first.undelivered()).toBe(false);
  });

  it('leaves one watch on a keep-alive connection that carries many answers', async () => {
    const { ask, answered } = await rawConnection();
    let socket: Socket | null = null;
    for (let count = 1; count <= 20; count++) {
      const exchange = await ask();
      socket = exchange.res.socket;
      exchange.res.end('{}');
      await answered(count);
    }
    // The server's own listeners plus one watch; twenty would warn of a leak at the eleventh.
    expect(socket?.listenerCount('error')).toBeLessThanOrEqual(2);
  });
});
