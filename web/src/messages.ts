import type { Json } from './tool-caller.js';

/** A message as the tools return it; the reply and mention fields appear once the server has them. */
export interface ChatMessage {
  seq: number;
  message: string;
  sender: string;
  sender_id: string;
  timestamp: string;
  message_id: string;
  system?: boolean;
  disconnect?: boolean;
  reply_to?: number;
  reply_preview?: unknown;
  mentions?: string[];
}

export interface Member {
  user_id: string;
  display_name: string;
}

/** Messages of a result (`messages`, `recent_messages`), the malformed ones dropped. */
export function messagesOf(body: Json, key = 'messages'): ChatMessage[] {
  const list = body[key];
  if (!Array.isArray(list)) return [];
  return list.filter(
    (m): m is ChatMessage =>
      typeof m === 'object' && m !== null && typeof m.seq === 'number' && typeof m.message === 'string',
  );
}

export function membersOf(body: Json): Member[] | undefined {
  const list = body.members;
  return Array.isArray(list) ? (list as Member[]) : undefined;
}

/**
 * One room's messages, each once, ordered by `seq` whatever order they arrive in (a wait, a page
 * of history, a retried call after a restart).
 */
export class RoomFeed {
  private readonly seqs: number[] = [];
  private readonly bySeq = new Map<number, ChatMessage>();

  /**
   * Adds what is new; returns the messages actually added, newest first, each with the seq it goes
   * before (null: at the end). In that order every `before` is already placed when its turn comes.
   */
  add(messages: readonly ChatMessage[]): { message: ChatMessage; before: number | null }[] {
    const added: { message: ChatMessage; before: number | null }[] = [];
    for (const message of [...messages].sort((a, b) => b.seq - a.seq)) {
      if (this.bySeq.has(message.seq)) continue;
      this.bySeq.set(message.seq, message);
      const index = this.insertionIndex(message.seq);
      this.seqs.splice(index, 0, message.seq);
      added.push({ message, before: this.seqs[index + 1] ?? null });
    }
    return added;
  }

  get size(): number {
    return this.seqs.length;
  }

  get newestSeq(): number | undefined {
    return this.seqs[this.seqs.length - 1];
  }

  get oldestSeq(): number | undefined {
    return this.seqs[0];
  }

  get(seq: number): ChatMessage | undefined {
    return this.bySeq.get(seq);
  }

  private insertionIndex(seq: number): number {
    let low = 0;
    let high = this.seqs.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.seqs[mid] ?? 0) < seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
