import type { SessionSignal } from './session-records.js';
import type { ChatMessage, Member } from './types.js';

/**
 * Publish-subscribe between the chat and its waiters. Events are hints that state changed, never
 * the state itself: the log stays the truth, so a listener that hears anything re-reads.
 *
 * - `publish` delivers to subscribers of `topic` on every instance sharing the store, after the
 *   change it announces has been stored.
 * - Delivery is at most once and may be lost (a dropped connection). When an engine knows events
 *   may have been lost, it delivers `{ type: 'resync' }` to every local listener so parked waits
 *   look again.
 */
export interface EventBus {
  publish(topic: string, event: ChatEvent): Promise<void>;
  /** Returns a function that removes this listener; calling it twice is harmless. */
  subscribe(topic: string, listener: (event: ChatEvent) => void): () => void;
}

/**
 * Events are plain JSON (they cross processes). On a room topic: `message` wakes the room's waits.
 * On a user topic: what that participant should be told, for push notifications and for waking
 * `wait_for_match`.
 */
export type ChatEvent =
  | { type: 'message'; roomId: string; message: ChatMessage }
  | { type: 'matched'; roomId: string; partner: Member; sharedInterests?: string[] }
  | { type: 'member_joined'; roomId: string; member: Member }
  | {
      type: 'partner_left';
      roomId: string;
      member: Member;
      reason: LeaveReason;
      /** The system message the leave wrote, when anybody remained to read it. */
      farewell?: { seq: number; messageId: string };
    }
  /** On a user topic: the participant was banned; its waits end with `banned`. */
  | { type: 'banned' }
  /** On a user topic: these parked waits of the participant were superseded by newer ones. */
  | { type: 'superseded'; waitIds: string[] }
  /** On a session topic (chat/session-records.ts): what one instance tells the others. */
  | { type: 'session'; signal: SessionSignal }
  | { type: 'resync' };

/** Why a member left: its own leave_chat, the idle timeout, or its connection going away. */
export type LeaveReason = 'left' | 'timeout' | 'disconnected';

export const roomTopic = (roomId: string): string => `room:${roomId}`;
/** What every participant's topic starts with (the Redis append script builds them from it). */
export const USER_TOPIC_PREFIX = 'user:';
export const userTopic = (userId: string): string => `${USER_TOPIC_PREFIX}${userId}`;
