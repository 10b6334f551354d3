import { setTimeout as sleep } from 'node:timers/promises';
import type { Load, Result } from './phase.js';
import type { ServerUnderTest } from './processes.js';
import { kb, mb } from './stats.js';

/**
 * Memory of `count` parked waits: the server's growth between "set up" and "all parked", read
 * twice each time: as it stands, and after a full collection (what live objects hold; garbage
 * the collector has not reached yet inflates the first reading by chance).
 */
export async function measureParked(load: Load, server: ServerUnderTest, count: number): Promise<Result> {
  const read = async () => {
    const asItStands = await server.memory();
    await server.collectGarbage();
    return { asItStands, collected: await server.memory() };
  };
  let before = await read();
  let during = before;
  let confirmed: number | undefined;
  await load({ scenario: 'parked', target: server.name, url: server.url, count }, async (event, send) => {
    if (event.event === 'setup_done') {
      await sleep(1000);
      before = await read();
      send('park');
    } else if (event.event === 'parked') {
      if (server.parkedWaits) {
        // Up to two minutes: on a loaded machine the server takes a while to park 10,000 waits,
        // and memory measured before they all parked says nothing (see `all_parked`).
        for (let i = 0; i < 1200 && (await server.parkedWaits()) < count; i++) await sleep(100);
        confirmed = await server.parkedWaits();
      }
      during = await read();
      send('release');
    }
  });
  await sleep(1000);
  const after = await server.memory();
  const perWait = (field: 'rssBytes' | 'heapBytes', reading: 'asItStands' | 'collected') =>
    kb((during[reading][field] - before[reading][field]) / count);
  return {
    parked: count,
    confirmed_by_server: confirmed,
    all_parked: confirmed === undefined ? undefined : confirmed >= count,
    rss_per_wait_kb: perWait('rssBytes', 'asItStands'),
    heap_per_wait_kb: perWait('heapBytes', 'asItStands'),
    rss_per_wait_kb_after_gc: perWait('rssBytes', 'collected'),
    heap_per_wait_kb_after_gc: perWait('heapBytes', 'collected'),
    rss_mb: {
      before: mb(before.asItStands.rssBytes),
      parked: mb(during.asItStands.rssBytes),
      released: mb(after.rssBytes),
    },
  };
}
