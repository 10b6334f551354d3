import { describe, expect, it } from 'vitest';
import type { Body, CallOptions, Link, OpenLink, ToolOutcome } from '../src/cli/chat/connection.js';
import { longPoll, type Next } from '../src/cli/chat/long-poll.js';
import { ReconnectingLink } from '../src/cli/chat/reconnect.js';

/** The terminal client's one wait loop, over a fake of its own Link that answers from a script. */
function scripted(answers: ToolOutcome[]) {
  const calls: { name: string; args: Body; timeoutMs: number }[] = [];
  const link: Link = {
    async call(name: string, args: Body, options: CallOptions) {
      calls.push({ name, args, timeoutMs: options.timeoutMs });
      const answer = answers.shift();
      if (!answer) throw new Error('the script ran out');
      return answer;
    },
    async close() {},
  };
  const open: OpenLink = async () => link;
  const reconnecting = new ReconnectingLink({
    url: new URL('http://127.0.0.1:1/mcp'),
    open,
    onPush: () => {},
    onState: () => {},
    onReconnect: async () => {},
    backoffMs: [1],
  });
  return { reconnecting, calls };
}

describe('the terminal client’s long-poll', () => {
  it('parks again after each answer and refusal it is told to, until told to stop', async () => {
    const { reconnecting, calls } = scripted([
      { ok: true, body: { timeout: true } },
      { ok: false, code: 'unexpected', error: 'try again' },
      { ok: true, body: { status: 'matched' } },
    ]);
    const seen: string[] = [];
    let clientId = 'c1';
    await longPoll(
      reconnecting,
      {
        tool: 'wait_for_match',
        args: () => ({ client_id: clientId }),
        answered: (body): Next => {
          seen.push(`answer ${JSON.stringify(body)}`);
          clientId = 'c2';
          return body.status === 'matched' ? 'stop' : 'again';
        },
        refused: (code): Next => {
          seen.push(`refused ${code}`);
          return 'again';
        },
      },
      7,
      new AbortController().signal,
    );
    expect(seen).toEqual(['answer {"timeout":true}', 'refused unexpected', 'answer {"status":"matched"}']);
    // Each wait reads the identity of its moment, parks for the given seconds and gets time to answer.
    expect(calls.map((c) => c.args)).toEqual([
      { client_id: 'c1', timeout: 7 },
      { client_id: 'c2', timeout: 7 },
      { client_id: 'c2', timeout: 7 },
    ]);
    expect(calls.every((c) => c.name === 'wait_for_match' && c.timeoutMs > 7000)).toBe(true);
  });

  it('ends at a refusal it is told to stop at, and makes no call once aborted', async () => {
    const { reconnecting, calls } = scripted([{ ok: false, code: 'chat_ended', error: 'over' }]);
    const poll = {
      tool: 'wait_for_message' as const,
      args: () => ({ room_id: 'r' }),
      answered: (): Next => 'again',
      refused: (code: string): Next => (code === 'chat_ended' ? 'stop' : 'again'),
    };
    await longPoll(reconnecting, poll, 1, new AbortController().signal);
    expect(calls).toHaveLength(1);
    await longPoll(reconnecting, poll, 1, AbortSignal.abort());
    expect(calls).toHaveLength(1);
  });
});
