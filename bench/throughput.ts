import { inTurns, type Load, type Result } from './phase.js';
import type { ServerUnderTest } from './processes.js';
import { untilQuiet } from './settle.js';
import { ratio, round, sumOf } from './stats.js';
import type { TargetName } from './targets.js';

/** The servers of a run: MCP Chat on SQLite, on Redis (when Redis answers), and the baselines. */
export type Servers = Record<Exclude<TargetName, 'mcp-chat-redis'>, ServerUnderTest> & {
  'mcp-chat-redis'?: ServerUnderTest;
};

/**
 * `send_message` calls per second at each concurrency, on both engines, beside the SDK's no-op
 * floor and the raw ceiling, each window in a fresh load-generator process. The targets take
 * turns in `settings.rounds` rounds, each round in a rotated order, and each figure sums its
 * rounds: the machine's speed drifts by tens of percent between minutes, and measuring one target
 * after the other put that drift into the ratios. `rounds` in each row keeps the rate of every
 * window, so the spread is there to read.
 */
export async function measureThroughput(
  load: Load,
  servers: Servers,
  settings: { concurrencies: number[]; ms: number; rounds: number },
  log: (line: string) => void,
): Promise<Result> {
  const rows: Result = {};
  const redis = servers['mcp-chat-redis'];
  const lineup = [servers['mcp-chat'], redis, servers.sdk, servers.raw].filter(
    (server): server is ServerUnderTest => server !== undefined,
  );
  for (const concurrency of settings.concurrencies) {
    const windows = await inTurns(lineup, settings.rounds, (server) =>
      measureWindow(load, server, concurrency, settings.ms),
    );
    const of = (server: ServerUnderTest) => summed(windows.get(server) ?? []);
    const chat = of(servers['mcp-chat']);
    const onRedis = redis ? of(redis) : undefined;
    const sdk = of(servers.sdk);
    const raw = of(servers.raw);
    rows[`c${concurrency}`] = {
      mcp_chat_send_per_s: chat.calls_per_second,
      sdk_noop_per_s: sdk.calls_per_second,
      raw_send_per_s: raw.calls_per_second,
      ratio_to_sdk: ratio(chat.calls_per_second, sdk.calls_per_second),
      ratio_to_raw: ratio(chat.calls_per_second, raw.calls_per_second),
      ...(onRedis && {
        redis: {
          mcp_chat_send_per_s: onRedis.calls_per_second,
          ratio_to_sdk: ratio(onRedis.calls_per_second, sdk.calls_per_second),
          ratio_to_raw: ratio(onRedis.calls_per_second, raw.calls_per_second),
        },
      }),
      errors: { mcp_chat: chat.errors, mcp_chat_redis: onRedis?.errors, sdk: sdk.errors, raw: raw.errors },
      cpu_us_per_call: {
        mcp_chat: chat.cpu_us_per_call,
        mcp_chat_redis: onRedis?.cpu_us_per_call,
        sdk: sdk.cpu_us_per_call,
        raw: raw.cpu_us_per_call,
      },
      load_cpu_cores: {
        mcp_chat: chat.load_cpu_cores,
        mcp_chat_redis: onRedis?.load_cpu_cores,
        sdk: sdk.load_cpu_cores,
        raw: raw.load_cpu_cores,
      },
      rounds: {
        mcp_chat: chat.rounds,
        mcp_chat_redis: onRedis?.rounds,
        sdk: sdk.rounds,
        raw: raw.rounds,
      },
    };
    log(`throughput c=${concurrency}: ${JSON.stringify(rows[`c${concurrency}`])}`);
  }
  return rows;
}

/** One measured window of one target: its calls, seconds and CPU time by process. */
interface Window {
  calls: number;
  errors: number;
  seconds: number;
  loadCpuSeconds: number;
  spent?: Spent;
}

/** One window of `send_message` calls, or of no-op calls on the SDK floor (it has no chat). */
export async function measureWindow(
  load: Load,
  server: ServerUnderTest,
  concurrency: number,
  ms: number,
): Promise<Window> {
  await untilQuiet();
  const cpu = new CpuOverWindow(server);
  const op = server.name === 'sdk' ? 'noop' : 'send';
  const figures = await load(
    { scenario: 'throughput', target: server.name, url: server.url, op, concurrency, ms },
    (event) => cpu.mark(event),
  );
  return {
    calls: figures.calls as number,
    errors: figures.errors as number,
    seconds: figures.seconds as number,
    loadCpuSeconds: figures.load_cpu_seconds as number,
    spent: cpu.spent,
  };
}

/** A target's figures over all its windows: rates from the summed calls and seconds. */
export function summed(windows: Window[]) {
  const total = (pick: (w: Window) => number) => sumOf(windows, pick);
  const calls = total((w) => w.calls);
  const seconds = total((w) => w.seconds);
  const spentAll = windows.every((w) => w.spent !== undefined);
  const store = windows.every((w) => w.spent?.store !== undefined);
  const us = (cpuSeconds: number) => Math.round((cpuSeconds * 1e6) / calls);
  return {
    calls_per_second: seconds > 0 ? Math.round(calls / seconds) : 0,
    errors: total((w) => w.errors),
    load_cpu_cores: seconds > 0 ? round(total((w) => w.loadCpuSeconds) / seconds) : 0,
    cpu_us_per_call:
      spentAll && calls > 0
        ? {
            server: us(total((w) => w.spent?.server ?? 0)),
            ...(store && { redis: us(total((w) => w.spent?.store ?? 0)) }),
            load: us(total((w) => w.loadCpuSeconds)),
          }
        : undefined,
    rounds: windows.map((w) => (w.seconds > 0 ? Math.round(w.calls / w.seconds) : 0)),
  };
}

interface Spent {
  server: number;
  store?: number;
}

/**
 * CPU time over a throughput window's measured part, by process: the server and Redis (for MCP
 * Chat on Redis); the load generator reports its own. On a 2-core machine the three share the
 * cores, so the time per call says what a call costs where the rates alone swing with the machine.
 */
class CpuOverWindow {
  private start?: Spent;
  spent?: Spent;

  constructor(private readonly server: ServerUnderTest) {}

  private async read(): Promise<Spent> {
    return { server: this.server.cpuSeconds(), store: await this.server.storeCpuSeconds?.() };
  }

  async mark(event: Result): Promise<void> {
    if (event.event === 'window_start') this.start = await this.read();
    if (event.event !== 'window_end' || !this.start) return;
    const end = await this.read();
    this.spent = {
      server: end.server - this.start.server,
      store: end.store === undefined ? undefined : end.store - (this.start.store ?? 0),
    };
  }
}
