import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** What the metrics read from the running server. */
export interface MetricsSources {
  sessions(): number;
  parkedWaits(): number;
}

/**
 * Prometheus metrics on `/metrics`: process defaults (heap, RSS, event-loop lag), open 2025-era
 * sessions, parked waits, and tool calls by tool and outcome (an error code, or `ok`).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly toolCalls: Counter<'tool' | 'outcome'>;

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'mcp_chat_' });
    this.toolCalls = new Counter({
      name: 'mcp_chat_tool_calls_total',
      help: 'Tool calls answered, by tool and outcome (ok or the error code).',
      labelNames: ['tool', 'outcome'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'mcp_chat_sessions',
      help: '2025-era sessions this instance holds a copy of (all sessions are in storage).',
      registers: [this.registry],
      collect() {
        this.set(sources.sessions());
      },
    });
    new Gauge({
      name: 'mcp_chat_parked_waits',
      help: 'wait_for_message and wait_for_match calls parked on this instance (one participant may hold several).',
      registers: [this.registry],
      collect() {
        this.set(sources.parkedWaits());
      },
    });
  }

  toolCalled(tool: string, outcome: string): void {
    this.toolCalls.inc({ tool, outcome });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
