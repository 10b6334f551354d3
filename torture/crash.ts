/**
 * Crash under load: writers and readers of both eras keep going while the server is killed with
 * SIGKILL at random moments and started again. Once on one process with a SQLite file, once on
 * two instances sharing a private Redis (AOF, fsync always) where one of the two is killed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ServerProcess, spawnServer } from '../test/support/process.js';
import { startPrivateRedis } from '../test/support/redis.js';
import { type Audit, Workload } from './workload.js';

export interface CrashSettings {
  /** How long each engine is tortured. */
  ms: number;
  rooms: number;
}

export interface CrashFigures extends Audit {
  kills: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * The torture runs are many clients from one loopback address: the limits against abuse would
 * refuse them (they are tested on their own), so they are off here.
 */
export const UNLIMITED = [
  '--rate-limit',
  '0',
  '--new-participants-per-minute',
  '0',
  '--max-sessions',
  '100000',
];
const SERVE = [...UNLIMITED, '--log-level', 'warn', '--idle-timeout', '3600'];

/** An instance on a fixed port, so that clients find it again after a restart. */
class Instance {
  private process: ServerProcess | undefined;
  constructor(
    readonly port: number,
    private readonly args: string[],
  ) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}/mcp`;
  }
  async start(): Promise<void> {
    const started = Date.now();
    // On a machine shared with other work a start can take far longer than the tests allow.
    this.process = await spawnServer([...SERVE, ...this.args], {}, { port: this.port, deadlineMs: 120_000 });
    this.startSeconds.push(Math.round((Date.now() - started) / 100) / 10);
  }
  /** How long each start took until /healthz answered. */
  readonly startSeconds: number[] = [];
  async kill(): Promise<void> {
    const running = this.process;
    if (!running) return;
    running.child.kill('SIGKILL');
    await running.exited;
  }
  async stop(): Promise<void> {
    const running = this.process;
    if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;
    running.child.kill('SIGTERM');
    await running.exited;
  }
}

async function underKills(instances: Instance[], settings: CrashSettings): Promise<CrashFigures> {
  const workload = new Workload({
    urls: instances.map((instance) => instance.url),
    rooms: settings.rooms,
    writersPerRoom: 2,
    readersPerRoom: 2,
    sendGapMs: 40,
  });
  await workload.start();
  let kills = 0;
  const end = Date.now() + settings.ms;
  while (Date.now() < end) {
    await sleep(500 + Math.random() * 2500);
    const victim = instances[Math.floor(Math.random() * instances.length)] as Instance;
    await victim.kill();
    kills++;
    await victim.start();
  }
  const audit = await workload.finish();
  process.stderr.write(
    `torture: starts took ${instances.map((i) => i.startSeconds.join(', ')).join(' | ')} s\n`,
  );
  if (workload.unexpectedSamples.length > 0) console.error('crash: unexpected', workload.unexpectedSamples);
  return { kills, ...audit };
}

export async function crashOnSqlite(settings: CrashSettings): Promise<CrashFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-torture-'));
  const instance = new Instance(await freePort(), ['--db', join(dir, 'chat.db')]);
  try {
    await instance.start();
    return await underKills([instance], settings);
  } finally {
    await instance.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function crashOnRedis(settings: CrashSettings): Promise<CrashFigures> {
  const redis = await startPrivateRedis();
  const args = ['--redis-url', redis.url, '--redis-prefix', 'torture:'];
  const instances = [new Instance(await freePort(), args), new Instance(await freePort(), args)];
  try {
    for (const instance of instances) await instance.start();
    return await underKills(instances, settings);
  } finally {
    for (const instance of instances) await instance.stop();
    await redis.dispose();
  }
}

/** Both engines, figures added up. */
export async function crashPhase(settings: CrashSettings): Promise<CrashFigures> {
  const sqlite = await crashOnSqlite(settings);
  const redis = await crashOnRedis(settings);
  const sum = { ...sqlite };
  for (const key of Object.keys(sum) as (keyof CrashFigures)[]) sum[key] += redis[key];
  return sum;
}

export { Instance };
