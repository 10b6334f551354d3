import { describe, expect, it } from 'vitest';
import { keySlot, routingKey } from '../src/engines/redis/keys.js';

// A script declares one key; Redis Cluster runs it on that key's primary and refuses it there if
// it touches a key of another slot. So the declared key must share the slot of every key the
// scripts name for that kind of step (lua/common.ts), the ones below among them.
describe('the key a Redis script declares', () => {
  const P = 'mcp-chat:';
  const cases = [
    {
      slot: { room: 'lobby' },
      named: [`${P}room:{lobby}:log`, `${P}room:{lobby}:members`, `${P}room:{lobby}:member:u_1`],
    },
    {
      slot: { control: true as const },
      named: [`${P}{control}:participant:u_1`, `${P}{control}:credential:abc`, `${P}{control}:directory`],
    },
    { slot: { user: 'u_1' }, named: [`${P}participant:{u_1}:waits`] },
    { slot: { creation: 'ip:10.0.0.1' }, named: [`${P}creations:{ip:10.0.0.1}`] },
  ];

  it.each(cases)('is in the slot of the keys its scripts touch: %j', ({ slot, named }) => {
    const declared = routingKey(P, slot);
    expect(declared.startsWith(P)).toBe(true);
    for (const key of named) expect(keySlot(key)).toBe(keySlot(declared));
  });

  it('differs between rooms, so rooms spread over the primaries', () => {
    const slots = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((room) => keySlot(routingKey(P, { room }))));
    expect(slots.size).toBeGreaterThan(1);
  });
});
