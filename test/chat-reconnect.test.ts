import { describe, expect, it } from 'vitest';
import {
  type Body,
  type CallOptions,
  type Link,
  LinkDown,
  LinkRefused,
  type OpenLink,
  type ToolOutcome,
} from '../src/cli/chat/connection.js';
import { type LinkState, ReconnectingLink } from '../src/cli/chat/reconnect.js';

/**
 * The terminal client's reconnection, on its own: a fake of the client's own Link interface
 * stands in for the MCP connection, so outages happen exactly where each test puts them.
 */

class FakeLink implements Link {
  readonly calls: { name: string; args: Body }[] = [];
  /** Errors the next calls throw, in order; after them calls answer. */
  readonly failures: Error[] = [];
  closed = false;

  async call(name: string, args: Body, options: CallOptions): Promise<ToolOutcome> {
    options.signal?.throwIfAborted();
    this.calls.push({ name, args });
    const failure = this.failures.shift();
    if (failure) throw failure;
    return { ok: true, body: { tool: name } };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Hands out FakeLinks; `refusals` are errors the next opens throw, in order. */
function fakeServer() {
  const links: FakeLink[] = [];
  const refusals: Error[] = [];
  let opens = 0;
  const open: OpenLink = async () => {
    opens++;
    const refusal = refusals.shift();
    if (refusal) throw refusal;
    const link = new FakeLink();
    links.push(link);
    return link;
  };
  return { links, refusals, open, opens: () => opens };
}

function reconnecting(open: OpenLink, onReconnect: (link: Link) => Promise<void> = async () => {}) {
  const states: [LinkState, string | undefined][] = [];
  const link = new ReconnectingLink({
    url: new URL('http://127.0.0.1:1/mcp'),
    open,
    onPush: () => {},
    onState: (state, problem) => states.push([state, problem]),
    onReconnect,
    backoffMs: [1],
  });
  return { link, states };
}

describe('the terminal client’s reconnecting link', () => {
  it('makes a call cut off by an outage again, with the same arguments, on a new link', async () => {
    const server = fakeServer();
    const reconnected: Link[] = [];
    const { link, states } = reconnecting(server.open, async (l) => {
      reconnected.push(l);
    });
    expect(await link.call('get_status', { client_id: 'c1' })).toEqual({
      ok: true,
      body: { tool: 'get_status' },
    });
    server.links[0]?.failures.push(new LinkDown('cannot reach the server'));

    expect(await link.call('send_message', { message: 'hi', idempotency_key: 'k' })).toEqual({
      ok: true,
      body: { tool: 'send_message' },
    });
    const [first, second] = server.links;
    expect(first?.closed).toBe(true);
    expect(second?.calls).toEqual([{ name: 'send_message', args: { message: 'hi', idempotency_key: 'k' } }]);
    expect(reconnected).toEqual([second]);
    expect(states).toEqual([
      ['online', undefined],
      ['reconnecting', 'cannot reach the server'],
      ['online', undefined],
    ]);
  });

  it('keeps trying to connect while the server is down, with one attempt shared by every caller', async () => {
    const server = fakeServer();
    server.refusals.push(new LinkDown('down'), new LinkDown('still down'));
    const { link, states } = reconnecting(server.open);
    const answers = await Promise.all([link.call('a', {}), link.call('b', {})]);
    expect(answers.map((a) => a.ok)).toEqual([true, true]);
    expect(server.opens()).toBe(3);
    expect(server.links).toHaveLength(1);
    expect(states).toEqual([
      ['connecting', 'down'],
      ['connecting', 'still down'],
      ['online', undefined],
    ]);
    expect(link.everOnline).toBe(true);
  });

  it('gives up on a refusal before it was ever online, and rides one out afterwards', async () => {
    const refused = fakeServer();
    refused.refusals.push(new LinkRefused('the server answered HTTP 404'));
    await expect(reconnecting(refused.open).link.call('a', {})).rejects.toBeInstanceOf(LinkRefused);
    expect(refused.opens()).toBe(1);

    const server = fakeServer();
    const { link, states } = reconnecting(server.open);
    await link.call('a', {});
    server.links[0]?.failures.push(new LinkDown('gone'));
    server.refusals.push(new LinkRefused('the server answered HTTP 404'));
    expect((await link.call('b', {})).ok).toBe(true);
    expect(states.map(([state]) => state)).toEqual(['online', 'reconnecting', 'reconnecting', 'online']);
  });

  it('answers a call the link refuses with a client_error outcome, without reconnecting', async () => {
    const server = fakeServer();
    const { link } = reconnecting(server.open);
    await link.call('a', {});
    server.links[0]?.failures.push(new LinkRefused('bad request'));
    expect(await link.call('b', {})).toEqual({ ok: false, code: 'client_error', error: 'bad request' });
    expect(server.opens()).toBe(1);
  });

  it('counts a reconnection whose check fails as a failed attempt', async () => {
    const server = fakeServer();
    let checks = 0;
    const { link } = reconnecting(server.open, async () => {
      if (++checks === 1) throw new LinkDown('not yet');
    });
    await link.call('a', {});
    link.drop('the server is restarting');
    expect((await link.call('b', {})).ok).toBe(true);
    expect(checks).toBe(2);
    expect(server.links.map((l) => l.closed)).toEqual([true, true, false]);
  });

  it('says goodbye on the live link when closed, and stops callers waiting for a reconnection', async () => {
    const server = fakeServer();
    const { link } = reconnecting(server.open);
    await link.call('a', {});
    const live = server.links[0];
    const said: string[] = [];
    await link.close(async (l) => {
      said.push((await l.call('leave_chat', {}, { timeoutMs: 100 })).ok ? 'bye' : 'refused');
    });
    expect(said).toEqual(['bye']);
    expect(live?.closed).toBe(true);
    expect(link.closed).toBe(true);
    await expect(link.call('b', {})).rejects.toThrow();
    expect(server.opens()).toBe(1);

    // Closed during an outage: the pending call ends instead of waiting forever.
    const down = fakeServer();
    down.refusals.push(...Array.from({ length: 1000 }, () => new LinkDown('down')));
    const outage = reconnecting(down.open);
    const pending = outage.link.call('a', {});
    await expect.poll(() => down.opens()).toBeGreaterThan(1);
    await outage.link.close();
    await expect(pending).rejects.toThrow();
  });
});
