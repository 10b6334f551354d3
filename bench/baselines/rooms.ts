/**
 * The baselines' chat state: in memory, no checks, no storage. A room holds messages and the
 * waiters parked on it; a send wakes them. This is the least work a chat server can do.
 */
export interface BaselineMessage {
  seq: number;
  text: string;
}

interface Room {
  messages: BaselineMessage[];
  waiters: Set<() => void>;
}

export class BaselineRooms {
  private readonly rooms = new Map<string, Room>();

  send(roomId: string, text: string): number {
    const room = this.room(roomId);
    const seq = room.messages.length + 1;
    room.messages.push({ seq, text });
    for (const wake of [...room.waiters]) wake();
    return seq;
  }

  /** Messages past `after`, at once or as soon as one arrives; an empty list on timeout. */
  async wait(
    roomId: string,
    after: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<BaselineMessage[]> {
    const room = this.room(roomId);
    const ready = () => room.messages.slice(after);
    if (room.messages.length > after) return ready();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        room.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      room.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
    return ready();
  }

  private room(roomId: string): Room {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = { messages: [], waiters: new Set() };
      this.rooms.set(roomId, room);
    }
    return room;
  }
}

/** Both baselines answer GET /memory with the process's memory, for the parked-wait figures. */
export function memoryReport(): string {
  const { rss, heapUsed } = process.memoryUsage();
  return JSON.stringify({ rss, heapUsed });
}
