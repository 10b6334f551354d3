import type { ChatEvent, EventBus } from '../../chat/engine.js';
import { LocalBus } from '../local-bus.js';
import {
  closeConnection,
  openConnection,
  SUBSCRIBE_TIMEOUT_MS,
  storageError,
  whenReady,
} from './connection.js';
import { toMessage } from './decode.js';
import type { RedisClient, Reply } from './scripts.js';

export interface RedisBusOptions {
  url: string;
  /** The engine's command connection, which publishes. */
  publisher: RedisClient;
  /** Channel of a topic: this prefix plus the topic. */
  channelPrefix: string;
  onListenerError: (error: unknown) => void;
  /** An event that could not be published or received; events are hints, so this is reported, not thrown. */
  onEventLost: (error: unknown) => void;
}

/**
 * The cross-instance bus: Redis pub/sub on a connection of its own, with local fan-out by a
 * LocalBus. This instance subscribes to a topic's channel exactly while it has a local listener
 * for it, so Redis only sends each instance what someone there is waiting for.
 *
 * Missed events are made up for with `resync`, delivered to every local listener (parked waits
 * then read their state again): when the subscriber connection drops (while Redis is away the
 * waits then fail with `unavailable` instead of sleeping), and once it is back and subscribed
 * again (anything published in between was lost).
 *
 * A subscription is live only once Redis acknowledged it. `settled()` waits for that, and the
 * engine waits for it before every command, so a wait that subscribes and then reads cannot miss
 * an event published after its read, on any instance.
 */
export class RedisBus implements EventBus {
  private readonly local: LocalBus;
  private readonly subscriber: RedisClient;
  private readonly options: RedisBusOptions;
  /** SUBSCRIBE commands sent and not answered yet. */
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(options: RedisBusOptions) {
    this.options = options;
    this.local = new LocalBus(options.onListenerError);
    this.subscriber = openConnection(
      options.url,
      'mcp-chat:events',
      {
        up: () => this.resubscribe(),
        down: () => {
          if (!this.closed) this.local.deliverToAll({ type: 'resync' });
        },
      },
      SUBSCRIBE_TIMEOUT_MS,
    );
    this.subscriber.on('message', (channel: string, payload: string) => this.receive(channel, payload));
  }

  /** Publishes after this instance's pending subscriptions are live, so its own listeners hear it too. */
  async publish(topic: string, event: ChatEvent): Promise<void> {
    await this.settled();
    try {
      await this.options.publisher.publish(this.channel(topic), JSON.stringify(event));
    } catch (error) {
      this.options.onEventLost(storageError(error));
    }
  }

  subscribe(topic: string, listener: (event: ChatEvent) => void): () => void {
    const first = !this.local.hasTopic(topic);
    const unsubscribe = this.local.subscribe(topic, listener);
    if (first) this.sendSubscribe([topic]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      unsubscribe();
      if (!this.local.hasTopic(topic) && this.subscriber.status === 'ready') {
        // Failure needs no handling: a new connection starts with no subscriptions anyway.
        this.subscriber.unsubscribe(this.channel(topic)).catch(() => {});
      }
    };
  }

  /** Resolves once the subscriber connection is up (never, while Redis stays away). */
  async ready(): Promise<void> {
    await whenReady(this.subscriber);
    await this.settled();
  }

  /**
   * Resolves once every subscription asked for before this call is live (or has failed). Later
   * ones are not waited for, so a steady stream of new waits cannot hold commands back.
   */
  async settled(): Promise<void> {
    if (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Whether events from other instances can reach this one right now. */
  get connected(): boolean {
    return this.subscriber.status === 'ready';
  }

  /** Drops the event connection and makes a new one (listeners are told to look again meanwhile). */
  reconnect(): void {
    if (this.subscriber.status === 'ready') this.subscriber.disconnect(true);
  }

  async close(): Promise<void> {
    this.closed = true;
    await closeConnection(this.subscriber);
  }

  /** The Redis channel of a topic; the append script publishes on these too (lua/log.ts). */
  channel(topic: string): string {
    return `${this.options.channelPrefix}${topic}`;
  }

  /**
   * Subscribes to the topics' channels, when connected (a connection that comes up subscribes to
   * every topic anyway). A subscription that fails on a ready connection leaves this instance
   * deaf to the topic, so the connection starts over and subscribes to everything again.
   */
  private sendSubscribe(topics: string[], then?: () => void): void {
    if (topics.length === 0 || this.subscriber.status !== 'ready') return;
    const sent: Promise<void> = this.subscriber.subscribe(...topics.map((topic) => this.channel(topic))).then(
      () => then?.(),
      (error: unknown) => {
        this.options.onEventLost(storageError(error));
        if (this.subscriber.status === 'ready') this.subscriber.disconnect(true);
      },
    );
    this.pending.add(sent);
    sent.finally(() => this.pending.delete(sent));
  }

  /** The connection is (back) up: subscribe to every topic with a listener, then tell them all to look again. */
  private resubscribe(): void {
    const topics = this.local.activeTopics();
    this.sendSubscribe(topics, () => this.local.deliverToAll({ type: 'resync' }));
  }

  private receive(channel: string, payload: string): void {
    if (!channel.startsWith(this.options.channelPrefix)) return;
    const topic = channel.slice(this.options.channelPrefix.length);
    let event: unknown;
    try {
      event = JSON.parse(payload);
    } catch {
      event = undefined;
    }
    if (Array.isArray(event)) event = announcedMessage(event);
    // Only the shape every listener relies on is checked; listeners ignore types they do not handle.
    if (typeof (event as { type?: unknown } | null | undefined)?.type !== 'string') {
      this.options.onEventLost(new Error(`ignored a malformed event on ${channel}`));
      return;
    }
    this.local.deliver(topic, event as ChatEvent);
  }
}

/**
 * A message announced by the append script (lua/log.ts): ['message', room id, stream entry],
 * decoded the way the sender decoded the script's reply. Anything else is left malformed.
 */
function announcedMessage([kind, roomId, entry]: unknown[]): ChatEvent | undefined {
  if (kind !== 'message' || typeof roomId !== 'string') return undefined;
  try {
    return { type: 'message', roomId, message: toMessage(roomId, entry as Reply) };
  } catch {
    return undefined;
  }
}
