/**
 * `npm run bench`: MCP Chat beside its two baselines, all measured in the same run on the same
 * machine, every figure reported as a ratio to its baselines (absolute times drift on shared
 * machines; ratios much less). Prints JSON and writes bench/results/latest.json.
 *
 *   npm run bench                 full run (about 4 minutes, plus about 8 for 100,000 chats churned on Redis)
 *   npm run bench -- --quick      a smaller run (under a minute)
 *   npm run bench -- --profile    also writes a CPU profile of MCP Chat to bench/results/profiles/
 *   npm run bench -- --cluster    only Redis Cluster (3 local primaries) beside single Redis
 *   npm run bench -- --only parked [--targets mcp-chat,sdk]
 *                                 only the parked-wait memory (10,000 waits; 1,000 with --quick)
 *   npm run bench -- --only throughput [--profile]
 *                                 only the send throughput on both engines beside the baselines
 *   npm run bench -- --only latency   the send throughput, then the delivery latency at half load
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { deleteKeys, redisSkipReason, TEST_REDIS_URL } from '../test/support/redis.js';
import { measureChurn, measureQueueMatching } from './churn-and-matching.js';
import { measureCluster } from './cluster.js';
import { measureInterestMatching } from './interest-matching.js';
import { measureLatency } from './latency.js';
import type { LoadSpec } from './load.js';
import { measureParked } from './parked.js';
import type { Result } from './phase.js';
import { type ServerUnderTest, startTarget } from './processes.js';
import { measureRetention } from './retention.js';
import { ratio, round } from './stats.js';
import { measureStdioWakeup } from './stdio-wakeup.js';
import type { TargetName } from './targets.js';
import { measureThroughput, type Servers } from './throughput.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const profile = process.argv.includes('--profile');
const argAfter = (flag: string) => {
  const at = process.argv.indexOf(flag);
  return at === -1 ? undefined : process.argv[at + 1];
};
const only = argAfter('--only');
const onlyTargets = argAfter('--targets')?.split(',');
const settings = quick
  ? {
      ms: 1000,
      rounds: 1,
      concurrencies: [1, 16, 64],
      pairs: 16,
      latencyMs: 2500,
      latencyRounds: 1,
      parked: 1000,
      churn: 200,
      matchingMs: 1000,
      findingRooms: 300,
      findingMessages: 5,
      stdioSamples: 100,
      retentionChats: 5000,
    }
  : {
      ms: 3000,
      // Three turns of 3 s for each target, interleaved (throughput.ts).
      rounds: 3,
      concurrencies: [1, 16, 64],
      pairs: 64,
      latencyMs: 12_000,
      // Three turns of 4 s for each server, interleaved (latency.ts).
      latencyRounds: 3,
      parked: 10_000,
      churn: 2000,
      matchingMs: 5000,
      findingRooms: 2000,
      findingMessages: 10,
      stdioSamples: 200,
      retentionChats: 100_000,
    };

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Runs one scenario in a fresh load-generator process; `on` answers its progress events. */
async function load(
  spec: LoadSpec,
  on: (event: Result, send: (line: string) => void) => Promise<void> = async () => {},
) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(spec)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const send = (line: string) => child.stdin.write(`${line}\n`);
  let result: Result | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const event = JSON.parse(line) as Result;
    if (event.event === 'result') result = event;
    else await on(event, send);
  }
  await new Promise((resolve) => child.once('exit', resolve));
  if (!result) throw new Error(`load generator failed: ${JSON.stringify(spec)}`);
  const { event: _, ...figures } = result;
  return figures;
}

const throughput = (servers: Servers) => measureThroughput(load, servers, settings, log);

/** Each engine's delivery latency at half its capacity (latency.ts), from its top send rate. */
function latencyAtHalfLoad(servers: Servers, throughputRows: Result) {
  const top = throughputRows[`c${settings.concurrencies.at(-1)}`] as {
    mcp_chat_send_per_s: number;
    redis?: { mcp_chat_send_per_s: number };
  };
  const engines = [{ server: servers['mcp-chat'], maxSendsPerSecond: top.mcp_chat_send_per_s }];
  const onRedis = servers['mcp-chat-redis'];
  if (onRedis && top.redis)
    engines.push({ server: onRedis, maxSendsPerSecond: top.redis.mcp_chat_send_per_s });
  return measureLatency(load, engines, servers, settings, log);
}

const parked = (server: ServerUnderTest, count: number) => measureParked(load, server, count);

/** The in-process churn measurement with forced collections: the precise leak check. */
async function churnWithGc(): Promise<Result> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'bench/session-churn.ts', String(settings.churn)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  await new Promise((resolve) => child.once('exit', resolve));
  return JSON.parse(out) as Result;
}

/** The targets of one engine (issue 18): against the raw ceiling, the SDK floor, and in memory. */
function engineTargets(throughputRows: Result, latencyFigures: Result, rssPerWaitKb: number): Result {
  const atLeast = (value: number, bound: number) => ({ value, at_least: bound, met: value >= bound });
  const atMost = (value: number, bound: number) => ({ value, at_most: bound, met: value <= bound });
  const row = (c: number) => throughputRows[`c${c}`] as { ratio_to_raw: number; ratio_to_sdk: number };
  return {
    send_c16_ratio_to_raw: atLeast(row(16).ratio_to_raw, 0.3),
    send_c64_ratio_to_raw: atLeast(row(64).ratio_to_raw, 0.3),
    send_c16_ratio_to_sdk: atLeast(row(16).ratio_to_sdk, 1.5),
    send_c64_ratio_to_sdk: atLeast(row(64).ratio_to_sdk, 1.5),
    latency_p99_ratio_to_raw: atMost(latencyFigures.p99_ratio_to_raw as number, 5),
    rss_per_parked_wait_kb_after_gc: atMost(rssPerWaitKb, 6),
  };
}

/** `--only parked`: the parked-wait memory alone, on the targets asked for (all by default). */
async function parkedOnly(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-bench-'));
  const redisPrefix = `mcp-chat-bench:${randomUUID().slice(0, 12)}:`;
  const redisUrl = process.env.MCP_CHAT_TEST_REDIS_URL ?? TEST_REDIS_URL;
  const wanted = (name: TargetName) => !onlyTargets || onlyTargets.includes(name);
  const noRedis = wanted('mcp-chat-redis')
    ? await redisSkipReason().catch((e: Error) => e.message)
    : 'not asked';
  const report: Result = {};
  const started: ServerUnderTest[] = [];
  try {
    for (const name of ['mcp-chat', 'mcp-chat-redis', 'sdk', 'raw'] as const) {
      if (!wanted(name) || (name === 'mcp-chat-redis' && noRedis !== undefined)) continue;
      const server = await startTarget(name, { db: join(dir, 'bench.db'), redisUrl, redisPrefix });
      started.push(server);
      report[name] = await parked(server, settings.parked);
      log(`parked ${name}: ${JSON.stringify(report[name])}`);
      await server.stop();
      started.pop();
    }
    console.log(JSON.stringify({ mode: quick ? 'quick' : 'full', parked_waits: report }, null, 2));
  } finally {
    await Promise.allSettled(started.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
    if (noRedis === undefined) await deleteKeys(redisPrefix, redisUrl);
  }
}

/**
 * The four servers of a run (MCP Chat on a SQLite file in a fresh directory, on Redis under a key
 * prefix of its own when Redis answers, and the two baselines); `stop` removes directory and keys.
 */
async function startServers(): Promise<{ servers: Servers; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chat-bench-'));
  const profileDir = profile ? join(ROOT, 'bench/results/profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const redisPrefix = `mcp-chat-bench:${randomUUID().slice(0, 12)}:`;
  const redisUrl = process.env.MCP_CHAT_TEST_REDIS_URL ?? TEST_REDIS_URL;
  const noRedis = await redisSkipReason().catch((error: Error) => error.message);
  const servers: Servers = {
    'mcp-chat': await startTarget('mcp-chat', { db: join(dir, 'bench.db'), profileDir }),
    ...(noRedis === undefined && {
      'mcp-chat-redis': await startTarget('mcp-chat-redis', { db: '', redisUrl, redisPrefix, profileDir }),
    }),
    sdk: await startTarget('sdk', { db: '' }),
    raw: await startTarget('raw', { db: '' }),
  };
  return {
    servers,
    async stop() {
      await Promise.allSettled(Object.values(servers).map((server) => server.stop()));
      rmSync(dir, { recursive: true, force: true });
      if (servers['mcp-chat-redis']) await deleteKeys(redisPrefix, redisUrl);
    },
  };
}

/** `--only throughput`: the send throughput alone; `--only latency`: then the delivery latency. */
async function throughputOnly(withLatency: boolean): Promise<void> {
  const { servers, stop } = await startServers();
  try {
    const rows = await throughput(servers);
    const deliveryLatency = withLatency ? await latencyAtHalfLoad(servers, rows) : undefined;
    const report = { mode: quick ? 'quick' : 'full', throughput: rows, delivery_latency: deliveryLatency };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await stop();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--cluster'))
    return console.log(JSON.stringify(await measureCluster(load, settings), null, 2));
  if (only === 'parked') return parkedOnly();
  if (only === 'throughput' || only === 'latency') return throughputOnly(only === 'latency');
  if (only !== undefined) throw new Error(`--only knows parked, throughput and latency (not ${only})`);
  const started = Date.now();
  const { servers, stop } = await startServers();
  try {
    const sendThroughput = await throughput(servers);
    const top = sendThroughput[`c${settings.concurrencies.at(-1)}`] as {
      mcp_chat_send_per_s: number;
      redis?: { mcp_chat_send_per_s: number };
    };
    const engines = [{ server: servers['mcp-chat'], maxSendsPerSecond: top.mcp_chat_send_per_s }];
    const onRedis = servers['mcp-chat-redis'];
    if (onRedis && top.redis)
      engines.push({ server: onRedis, maxSendsPerSecond: top.redis.mcp_chat_send_per_s });
    const deliveryLatency = await measureLatency(load, engines, servers, settings, log);

    const parkedWaits: Result = {};
    for (const server of [servers['mcp-chat'], servers['mcp-chat-redis'], servers.sdk, servers.raw]) {
      if (!server) continue;
      parkedWaits[server.name] = await parked(server, settings.parked);
      log(`parked ${server.name}: ${JSON.stringify(parkedWaits[server.name])}`);
    }
    // After a full collection: the reading as it stands varies with when the collector last ran.
    const rssPerWait = (t: TargetName) =>
      (parkedWaits[t] as { rss_per_wait_kb_after_gc: number }).rss_per_wait_kb_after_gc;
    parkedWaits.rss_ratio_to_sdk = ratio(rssPerWait('mcp-chat'), rssPerWait('sdk'));
    parkedWaits.rss_ratio_to_raw = ratio(rssPerWait('mcp-chat'), rssPerWait('raw'));

    const sessionChurn = await measureChurn(load, servers, settings.churn, settings.rounds);
    sessionChurn.mcp_chat_in_process_with_gc = await churnWithGc();
    log(`churn: ${JSON.stringify(sessionChurn)}`);

    const queueMatching = await measureQueueMatching(load, servers, {
      concurrency: 16,
      ms: Math.max(1000, Math.round(settings.matchingMs / settings.rounds)),
      rounds: settings.rounds,
    });
    log(`matching: ${JSON.stringify(queueMatching)}`);
    // Matching by interests beside plain FIFO, in process on each engine.
    const interestMatching = await measureInterestMatching(settings.matchingMs);
    log(`interest matching: ${JSON.stringify(interestMatching)}`);

    // The directory and search on a room set of realistic size, beside the send figure above.
    const findingFigures = await load({
      scenario: 'finding',
      url: servers['mcp-chat'].url,
      rooms: settings.findingRooms,
      messagesPerRoom: settings.findingMessages,
      concurrency: 16,
      ms: settings.ms,
    });
    const directoryAndSearch = {
      concurrency: 16,
      ...findingFigures,
      send_per_s_c16: (sendThroughput.c16 as { mcp_chat_send_per_s: number }).mcp_chat_send_per_s,
    };
    log(`directory and search: ${JSON.stringify(directoryAndSearch)}`);
    // Two `mcp-chat stdio` processes on one file, beside the in-process wake-up in the same run.
    const stdioWakeup = await measureStdioWakeup(settings.stdioSamples);
    log(`stdio wakeup: ${JSON.stringify(stdioWakeup)}`);
    // Storage that stays bounded: ended chats churned on a redis-server of the bench's own.
    const storageRetention = await measureRetention(settings.retentionChats);
    log(`storage retention: ${JSON.stringify(storageRetention)}`);
    const redisCluster = servers['mcp-chat-redis'] ? await measureCluster(load, settings) : undefined;

    const report = {
      machine: {
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model,
        memory_gb: round(totalmem() / 2 ** 30, 1),
        node: process.version,
        kernel: release(),
      },
      mode: quick ? 'quick' : 'full',
      date: new Date().toISOString(),
      duration_s: Math.round((Date.now() - started) / 1000),
      throughput: sendThroughput,
      delivery_latency: deliveryLatency,
      parked_waits: parkedWaits,
      session_churn: sessionChurn,
      queue_matching: queueMatching,
      interest_matching: interestMatching,
      directory_and_search: directoryAndSearch,
      stdio_wakeup: stdioWakeup,
      storage_retention: storageRetention,
      redis_cluster: redisCluster,
      targets: {
        keys_left_per_ended_chat: {
          value: storageRetention.keys_left_per_ended_chat,
          at_most: 0,
          met: storageRetention.keys_left_per_ended_chat === 0,
        },
        redis_memory_after_churn_pct: {
          value: storageRetention.memory_after_vs_before_pct,
          within: 5,
          met: Math.abs(storageRetention.memory_after_vs_before_pct) <= 5,
        },
        stdio_wakeup_p99_ms: stdioWakeup.target_p99_ms,
        sqlite: engineTargets(sendThroughput, deliveryLatency.sqlite as Result, rssPerWait('mcp-chat')),
        ...(servers['mcp-chat-redis'] && {
          redis: engineTargets(
            Object.fromEntries(
              Object.entries(sendThroughput).map(([key, row]) => [key, (row as { redis: Result }).redis]),
            ),
            deliveryLatency.redis as Result,
            rssPerWait('mcp-chat-redis'),
          ),
        }),
      },
    };
    const json = JSON.stringify(report, null, 2);
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/latest.json'), `${json}\n`);
    console.log(json);
  } finally {
    await stop();
  }
}

await main();
