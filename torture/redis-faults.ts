/**
 * Redis faults under load: two instances share a private redis-server (AOF, fsync always),
 * reached through a TCP proxy in this process. Each round pauses Redis (SIGSTOP, SIGCONT), kills
 * and restarts it, and partitions it away (the proxy drops every connection); the workload keeps
 * writing and reading throughout, and each fault's recovery is timed until both instances accept
 * a message again.
 */
import { freePort } from '../test/support/process.js';
import { startPrivateRedis } from '../test/support/redis.js';
import { Instance } from './crash.js';
import { PartitionProxy } from './proxy.js';
import { WireClient } from './wire.js';
import { type Audit, Workload } from './workload.js';

export interface RedisFaultSettings {
  rounds: number;
  rooms: number;
}

export interface RedisFaultFigures extends Audit {
  faults: number;
  /** The longest time from the end of a fault until both instances took a message again. */
  recovery_s: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Probe {
  client: WireClient;
  roomId: string;
  clientId: string;
}

async function probeOn(url: string, index: number): Promise<Probe> {
  const client = new WireClient([url], 'modern', 1);
  const roomId = `probe-${index}-${Date.now()}`;
  const joined = await client.call('join_room', { room_id: roomId, display_name: 'Probe' });
  if (joined.kind !== 'ok') throw new Error(`probe join failed: ${JSON.stringify(joined)}`);
  return { client, roomId, clientId: String(joined.value.client_id) };
}

/** Seconds until every probe's instance stored a message again. */
async function recovery(probes: Probe[], since: number): Promise<number> {
  await Promise.all(
    probes.map(async (probe) => {
      for (;;) {
        const sent = await probe.client.call('send_message', {
          room_id: probe.roomId,
          client_id: probe.clientId,
          message: 'probe',
        });
        if (sent.kind === 'ok') return;
        if (Date.now() - since > 60_000) throw new Error(`no recovery within 60 s: ${JSON.stringify(sent)}`);
        await sleep(50);
      }
    }),
  );
  return (Date.now() - since) / 1000;
}

export async function redisFaultPhase(settings: RedisFaultSettings): Promise<RedisFaultFigures> {
  const redis = await startPrivateRedis();
  const proxy = await PartitionProxy.start(Number(new URL(redis.url).port));
  const args = ['--redis-url', proxy.url, '--redis-prefix', 'torture:'];
  const instances = [new Instance(await freePort(), args), new Instance(await freePort(), args)];
  const probes: Probe[] = [];
  try {
    for (const instance of instances) await instance.start();
    probes.push(...(await Promise.all(instances.map((instance, i) => probeOn(instance.url, i)))));
    const workload = new Workload({
      urls: instances.map((instance) => instance.url),
      rooms: settings.rooms,
      writersPerRoom: 2,
      readersPerRoom: 2,
      sendGapMs: 40,
    });
    await workload.start();
    const faults: [string, () => Promise<void>][] = [
      [
        'pause',
        async () => {
          redis.pause();
          await sleep(3000);
          redis.resume();
        },
      ],
      [
        'restart',
        async () => {
          await redis.kill();
          await sleep(1500);
          await redis.start();
        },
      ],
      [
        'partition',
        async () => {
          proxy.cut();
          await sleep(3000);
          proxy.heal();
        },
      ],
    ];
    let worst = 0;
    let count = 0;
    for (let round = 0; round < settings.rounds; round++) {
      for (const [name, fault] of faults) {
        await sleep(1500 + Math.random() * 1500);
        await fault();
        count++;
        const seconds = await recovery(probes, Date.now());
        process.stderr.write(`torture: redis ${name} recovered in ${seconds} s\n`);
        worst = Math.max(worst, seconds);
      }
    }
    await sleep(1000);
    const audit = await workload.finish();
    if (workload.unexpectedSamples.length > 0)
      console.error('redis_faults: unexpected', workload.unexpectedSamples);
    return { faults: count, recovery_s: Math.round(worst * 100) / 100, ...audit };
  } finally {
    await Promise.all(probes.map((probe) => probe.client.close()));
    for (const instance of instances) await instance.stop();
    await proxy.close();
    await redis.dispose();
  }
}
