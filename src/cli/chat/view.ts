import type { ChatLine, Place, SessionEvent, SessionState } from './state.js';
import type { Member, WireMessage } from './wire.js';

type RoomPlace = Extract<Place, { kind: 'room' }>;

/**
 * What the session shows: its state and the lines it adds, told to every front end that
 * subscribed. Changing the state and telling about it are one step, so no change goes unseen.
 */
export class SessionView {
  private current: SessionState;
  private readonly listeners = new Set<(event: SessionEvent) => void>();

  constructor(initial: SessionState) {
    this.current = initial;
  }

  get state(): SessionState {
    return this.current;
  }

  subscribe(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  update(change: Partial<SessionState>): void {
    this.current = { ...this.current, ...change };
    this.emit({ type: 'state', state: this.current });
  }

  moveTo(place: Place): void {
    this.update({ place });
  }

  /** Changes the room the person is in, and nothing when they have moved on from `roomId`. */
  updateRoom(roomId: string, change: Partial<Omit<RoomPlace, 'kind'>>): void {
    const place = this.current.place;
    if (place.kind === 'room' && place.roomId === roomId) this.update({ place: { ...place, ...change } });
  }

  line(kind: 'system' | 'notice' | 'error', text: string): void {
    this.emit({ type: 'line', line: { kind, time: new Date(), text } });
  }

  emit(event: SessionEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** The person as a room member. */
  me(): Member {
    return { userId: this.current.userId ?? '', displayName: this.current.displayName };
  }

  /** A message as the person sees it: system notes without their prefix, their own marked. */
  toLine(m: WireMessage): ChatLine {
    if (m.system) return { kind: 'system', time: m.time, text: m.text.replace(/^\[System\]\s*/, '') };
    return {
      kind: 'message',
      time: m.time,
      sender: m.sender,
      text: m.text,
      own: m.senderId === this.current.userId,
      seq: m.seq,
      reply: m.reply,
      mentionsMe: this.current.userId !== undefined && m.mentions.includes(this.current.userId),
    };
  }
}
