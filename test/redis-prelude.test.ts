import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { PREAMBLE } from '../src/engines/redis/lua/common.js';
import * as directory from '../src/engines/redis/lua/directory.js';
import * as limits from '../src/engines/redis/lua/limits.js';
import * as log from '../src/engines/redis/lua/log.js';
import * as matching from '../src/engines/redis/lua/matching.js';
import * as participants from '../src/engines/redis/lua/participants.js';
import { preludeFor } from '../src/engines/redis/lua/prelude.js';
import * as queue from '../src/engines/redis/lua/queue.js';
import * as readPosition from '../src/engines/redis/lua/read-position.js';
import * as rooms from '../src/engines/redis/lua/rooms.js';
import * as safety from '../src/engines/redis/lua/safety.js';
import * as search from '../src/engines/redis/lua/search.js';
import { deleteKeys, randomPrefix, redisSkipReason, TEST_REDIS_URL } from './support/redis.js';

const skip = await redisSkipReason();

const modules = {
  directory,
  limits,
  log,
  matching,
  participants,
  queue,
  readPosition,
  rooms,
  safety,
  search,
};
const scripts = Object.entries(modules).flatMap(([module, exports]) =>
  Object.entries(exports)
    .filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].startsWith('#!lua'),
    )
    .map(([name, text]) => ({ name: `${module}.${name}`, text })),
);
const topLevelNames = (text: string) => [...text.matchAll(/^local (?:function )?(\w+)/gm)].map((m) => m[1]);
// The names the code uses: comments and string literals left out (a comment may mention a name
// defined further down, which no code before that definition could use).
const codeWords = (text: string) =>
  new Set(
    text
      .replace(/'(?:[^'\\\n]|\\.)*'/g, "''")
      .replace(/--.*$/gm, '')
      .match(/[A-Za-z_]\w*/g) ?? [],
  );

describe('the part of the preamble each Redis script carries', () => {
  it('finds the engine scripts', () => {
    expect(scripts.length).toBeGreaterThan(40);
  });

  it.each(scripts)(
    '$name defines every preamble name it uses, after taking the settings off ARGV',
    ({ text }) => {
      const defined = new Set(topLevelNames(text));
      const used = codeWords(text);
      const missing = topLevelNames(PREAMBLE).filter(
        (name) => used.has(name as string) && !defined.has(name),
      );
      expect(missing).toEqual([]);
      expect(text).toMatch(
        /^#!lua[^\n]*\n\s*local P = table\.remove\(ARGV, 1\)\nlocal MAX_MESSAGES = .*\nlocal MAX_AGE_MS = /,
      );
    },
  );

  it('leaves out what a script does not use, and keeps what its helpers use, in order', () => {
    const preamble = [
      'local A = table.remove(ARGV, 1)',
      '-- base of keys',
      'local K = A .. ":"',
      'local function unused() return 1 end',
      'local function key(x)',
      '  return K .. x',
      'end',
      'local function helper(x) return key(x) end',
    ].join('\n');
    const kept = preludeFor(preamble)("return helper('a')");
    expect(kept).toBe(
      [
        'local A = table.remove(ARGV, 1)',
        '-- base of keys',
        'local K = A .. ":"',
        'local function key(x)',
        '  return K .. x',
        'end',
        'local function helper(x) return key(x) end',
      ].join('\n'),
    );
    expect(preludeFor(preamble)('return 1')).toBe('local A = table.remove(ARGV, 1)');
  });

  it.skipIf(skip)('runs the smallest scripts on real Redis without a missing name', async () => {
    // Every script runs end to end in the engine contract on Redis (redis-engine.test.ts); these,
    // whose preamble shrank the most, run once here directly.
    const redis = new Redis(TEST_REDIS_URL);
    const prefix = `${randomPrefix()}prelude:`;
    try {
      const run = (text: string, ...args: string[]) =>
        redis.eval(text, 1, `${prefix}{control}:x`, prefix, '1000', '0', ...args);
      expect(await run(participants.findParticipant, 'no-such-digest')).toBeNull();
      expect(await run(directory.openRooms, 'u_nobody')).toEqual([]);
      expect(await run(directory.listRoom, 'r1', '1', '{}')).toBe(1);
      expect(await redis.hget(`${prefix}{control}:directory:info`, 'r1')).toBe('{}');
    } finally {
      redis.disconnect();
      await deleteKeys(prefix);
    }
  });
});
