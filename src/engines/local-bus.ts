import type { ChatEvent, EventBus } from '../chat/engine.js';

type Listener = (event: ChatEvent) => void;

/**
 * In-process publish-subscribe: the whole bus for a single instance, and the local fan-out
 * behind a cross-instance bus. Delivery is synchronous; a listener that throws is reported and
 * does not stop delivery to the others.
 */
export class LocalBus implements EventBus {
  private readonly topics = new Map<string, Set<Listener>>();
  private readonly onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.onListenerError = onListenerError;
  }

  async publish(topic: string, event: ChatEvent): Promise<void> {
    this.deliver(topic, event);
  }

  deliver(topic: string, event: ChatEvent): void {
    const listeners = this.topics.get(topic);
    if (!listeners) return;
    for (const listener of [...listeners]) this.call(listener, event);
  }

  /** Delivers to every listener of every topic: used when events may have been missed. */
  deliverToAll(event: ChatEvent): void {
    for (const listeners of [...this.topics.values()]) {
      for (const listener of [...listeners]) this.call(listener, event);
    }
  }

  subscribe(topic: string, listener: Listener): () => void {
    let listeners = this.topics.get(topic);
    if (!listeners) {
      listeners = new Set();
      this.topics.set(topic, listeners);
    }
    listeners.add(listener);
    return () => {
      const current = this.topics.get(topic);
      if (!current?.delete(listener)) return;
      if (current.size === 0) this.topics.delete(topic);
    };
  }

  /** Topics with at least one listener (a cross-instance bus subscribes upstream to exactly these). */
  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** Every topic with at least one listener: what a cross-instance bus subscribes to again after a reconnect. */
  activeTopics(): string[] {
    return [...this.topics.keys()];
  }

  private call(listener: Listener, event: ChatEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.onListenerError(error);
    }
  }
}
