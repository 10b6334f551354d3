import type { Load, Result } from './phase.js';
import type { ServerUnderTest } from './processes.js';
import { ratio } from './stats.js';
import type { TargetName } from './targets.js';

/** The servers of a run: MCP Chat on SQLite, on Redis (when Redis answers), and the baselines. */
export type Servers = Record<Exclude<TargetName, 'mcp-chat-redis'>, ServerUnderTest> & {
  'mcp-chat-redis'?: ServerUnderTest;
};

/**
 * `send_message` calls per second at each concurrency, on both engines, beside the SDK's no-op
 * floor and the raw ceiling, each in a fresh load-generator process, one after the other.
 */
export async function measureThroughput(
  load: Load,
  servers: Servers,
  settings: { concurrencies: number[]; ms: number },
  log: (line: string) => void,
): Promise<Result> {
  const rows: Result = {};
  const redis = servers['mcp-chat-redis'];
  for (const concurrency of settings.concurrencies) {
    const run = async (server: ServerUnderTest, op: 'send' | 'noop') => {
      const cpu = new CpuOverWindow(server);
      const figures = await load(
        { scenario: 'throughput', target: server.name, url: server.url, op, concurrency, ms: settings.ms },
        (event) => cpu.mark(event),
      );
      return { ...figures, cpu_us_per_call: cpu.perCall(figures) } as Result;
    };
    const chat = await run(servers['mcp-chat'], 'send');
    const onRedis = redis ? await run(redis, 'send') : undefined;
    const sdk = await run(servers.sdk, 'noop');
    const raw = await run(servers.raw, 'send');
    const perS = (figures: Result | undefined) => figures?.calls_per_second as number;
    rows[`c${concurrency}`] = {
      mcp_chat_send_per_s: chat.calls_per_second,
      sdk_noop_per_s: sdk.calls_per_second,
      raw_send_per_s: raw.calls_per_second,
      ratio_to_sdk: ratio(perS(chat), perS(sdk)),
      ratio_to_raw: ratio(perS(chat), perS(raw)),
      ...(onRedis && {
        redis: {
          mcp_chat_send_per_s: onRedis.calls_per_second,
          ratio_to_sdk: ratio(perS(onRedis), perS(sdk)),
          ratio_to_raw: ratio(perS(onRedis), perS(raw)),
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
    };
    log(`throughput c=${concurrency}: ${JSON.stringify(rows[`c${concurrency}`])}`);
  }
  return rows;
}

/**
 * CPU time per call over a throughput run's measured window, by process: the server, Redis (for
 * MCP Chat on Redis) and the load generator. On a 2-core machine the three share the cores, so
 * these say what a call costs where the rates alone swing with the machine.
 */
class CpuOverWindow {
  private start?: { server: number; store?: number };
  private spent?: { server: number; store?: number };

  constructor(private readonly server: ServerUnderTest) {}

  private async read() {
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

  perCall(figures: Result): Result | undefined {
    const perSecond = figures.calls_per_second as number;
    const calls = figures.calls as number;
    if (!this.spent || !(calls > 0)) return undefined;
    const us = (seconds: number) => Math.round((seconds * 1e6) / calls);
    return {
      server: us(this.spent.server),
      ...(this.spent.store !== undefined && { redis: us(this.spent.store) }),
      load: Math.round(((figures.load_cpu_cores as number) * 1e6) / perSecond),
    };
  }
}
