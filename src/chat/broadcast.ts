import { type ChatEvent, type EventBus, roomTopic, userTopic } from './engine.js';
import type { ChatMessage } from './types.js';

/** How the chat tells people things: events on the engine's bus, heard on every instance. */

/** A stored message wakes the room's waits and is offered to each recipient's push channel. */
export async function announce(
  bus: EventBus,
  roomId: string,
  message: ChatMessage,
  recipients: readonly string[],
): Promise<void> {
  const event: ChatEvent = { type: 'message', roomId, message };
  // All at once, in this order: on Redis they share one round trip (one pipeline).
  await Promise.all([bus.publish(roomTopic(roomId), event), tell(bus, recipients, event)]);
}

/** One event to each of these participants. */
export async function tell(bus: EventBus, userIds: readonly string[], event: ChatEvent): Promise<void> {
  await Promise.all(userIds.map((userId) => bus.publish(userTopic(userId), event)));
}
