import { describe } from 'vitest';
import { RedisEngine } from '../src/engines/redis/engine.js';
import { engineContract } from './engine-contract.js';
import { deleteKeys, randomPrefix, redisSkipReason, TEST_REDIS_URL } from './support/redis.js';

const skip = await redisSkipReason();

describe.skipIf(skip !== undefined)(`redis engine${skip ? ` (skipped: ${skip})` : ''}`, () => {
  engineContract('redis', async () => {
    const keyPrefix = randomPrefix();
    const engine = new RedisEngine({ url: TEST_REDIS_URL, keyPrefix });
    await engine.ready();
    return {
      engine,
      dispose: async () => {
        await engine.close();
        await deleteKeys(keyPrefix);
      },
    };
  });
});
