import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { AppendOutcome, ChatEngine } from '../../src/chat/engine.js';
import type { MessageDraft } from '../../src/chat/types.js';

/** What every contract case works with: the engine of the running case and small builders. */
export interface ContractContext {
  /** The engine of the case that runs now (a fresh, empty store per case). */
  readonly engine: ChatEngine;
  /** A clock that only moves forward, one millisecond per call. */
  now(): number;
  unique(prefix: string): string;
  /** A new participant with credential digest `cred-<userId>`; returns its user id. */
  participant(displayName?: string): Promise<string>;
  draft(text: string, senderId: string, extra?: Partial<MessageDraft>): MessageDraft;
  /** A named room the given participants joined, in order. */
  namedRoom(capacity?: number, ...userIds: string[]): Promise<string>;
  /** Another engine on the same store (a second instance), or the same engine where there is none. */
  sibling(): Promise<ChatEngine>;
  /** Appends and throws on a refusal. */
  send(
    roomId: string,
    userId: string,
    text: string,
    idempotencyKey?: string,
  ): Promise<Extract<AppendOutcome, { message: unknown }>>;
}

export function contractContext(
  current: () => ChatEngine,
  sibling: () => Promise<ChatEngine> = async () => current(),
): ContractContext {
  let clock = 1_700_000_000_000;
  const now = () => ++clock;
  const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

  function draft(text: string, senderId: string, extra: Partial<MessageDraft> = {}): MessageDraft {
    return {
      messageId: randomUUID(),
      senderId,
      senderName: `name-of-${senderId}`,
      text,
      createdAt: now(),
      system: false,
      disconnect: false,
      ...extra,
    };
  }

  return {
    get engine() {
      return current();
    },
    now,
    unique,
    draft,
    sibling,
    async participant(displayName = 'Ann') {
      const userId = unique('u');
      await current().createParticipant({ userId, credential: `cred-${userId}`, displayName, now: now() });
      return userId;
    },
    async namedRoom(capacity = 2, ...userIds) {
      const roomId = unique('room');
      for (const userId of userIds) {
        const outcome = await current().joinRoom({
          roomId,
          userId,
          capacity,
          now: now(),
          notice: draft('[System] joined', 'system', { system: true }),
          recentLimit: 20,
        });
        expect(['created', 'joined']).toContain(outcome.kind);
      }
      return roomId;
    },
    async send(roomId, userId, text, idempotencyKey) {
      const outcome = await current().appendMessage({
        roomId,
        userId,
        draft: draft(text, userId),
        idempotencyKey,
      });
      if (outcome.kind !== 'stored' && outcome.kind !== 'duplicate')
        throw new Error(`append refused: ${outcome.kind}`);
      return outcome;
    },
  };
}
