import type { Body } from './connection.js';
import { type LongPoll, longPoll, type Next } from './long-poll.js';
import type { ReconnectingLink } from './reconnect.js';
import { RoomLog } from './room-log.js';
import type { SessionView } from './view.js';
import type { Member, WireMessage } from './wire.js';
import * as wire from './wire.js';

/**
 * Keeps one long-poll open for where the person is: wait_for_match while queued, wait_for_message
 * in a room, and shows what arrives (each message once). Replaced whenever the place changes.
 */

export interface FollowerOptions {
  link: ReconnectingLink;
  view: SessionView;
  /** Seconds each wait may park. */
  waitSeconds: number;
  clientId(): string | undefined;
  /** The server forgot the person's client_id. */
  identityLost(): void;
}

export class Follower {
  /** The room the person is in and what of it they have seen; undefined outside rooms. */
  room: RoomLog | undefined;
  private readonly options: FollowerOptions;
  private readonly link: ReconnectingLink;
  private readonly view: SessionView;
  private current: AbortController | undefined;

  constructor(options: FollowerOptions) {
    this.options = options;
    this.link = options.link;
    this.view = options.view;
  }

  /** Follows the random queue until matched. */
  queue(): void {
    this.follow(this.queuePoll());
  }

  /** Into a room: shows its recent messages, then follows it. */
  enterRoom(roomId: string, members: Member[], recent: WireMessage[]): void {
    this.room = new RoomLog(roomId);
    this.view.moveTo({ kind: 'room', roomId, members, partnerLeft: false, ended: false });
    for (const m of recent) this.receive(roomId, m);
    this.follow(this.roomPoll(roomId));
  }

  /** Follows the room the person is still in (after a leave the server refused). */
  resumeRoom(roomId: string): void {
    this.follow(this.roomPoll(roomId));
  }

  /** Stops the long-poll; `forgetRoom` also drops what was seen of the room. */
  stop(forgetRoom = false): void {
    this.current?.abort();
    if (forgetRoom) this.room = undefined;
  }

  /** Replaces the long-poll with a new one; the old one stops at its next step. */
  private follow(poll: LongPoll): void {
    this.current?.abort();
    const current = new AbortController();
    this.current = current;
    longPoll(this.link, poll, this.options.waitSeconds, current.signal).catch((error: unknown) => {
      if (current.signal.aborted || this.link.closed) return;
      this.view.line('error', error instanceof Error ? error.message : String(error));
    });
  }

  private receive(roomId: string, m: WireMessage): void {
    const room = this.room;
    if (room?.roomId !== roomId || !room.admit(m.messageId, m.seq)) return;
    this.view.emit({ type: 'line', line: this.view.toLine(m) });
    if (m.disconnect) this.view.updateRoom(roomId, { partnerLeft: true });
  }

  /** Joins and leaves change who is here; the server's list is the truth. */
  private async refreshMembers(roomId: string, signal: AbortSignal): Promise<void> {
    const outcome = await this.link.call('get_status', { client_id: this.options.clientId() }, { signal });
    const members = outcome.ok ? wire.statusRooms(outcome.body).get(roomId) : undefined;
    if (!members || signal.aborted) return;
    const alone = members.every((m) => m.userId === this.view.state.userId);
    this.view.updateRoom(roomId, alone ? { members } : { members, partnerLeft: false });
  }

  private queuePoll(): LongPoll {
    return {
      tool: 'wait_for_match',
      args: () => ({ client_id: this.options.clientId() }),
      answered: (body: Body): Next => {
        const partner = wire.member(body.partner);
        if (body.status === 'matched' && partner) {
          this.view.line('notice', `Matched with ${partner.displayName}.`);
          this.enterRoom(wire.text(body, 'room_id') ?? '', [this.view.me(), partner], []);
          return 'stop';
        }
        if (body.restarting === true) this.link.drop('the server is restarting');
        const position = wire.number(body, 'position');
        if (position !== undefined) {
          const queueLength = wire.number(body, 'queue_length') ?? position;
          this.view.moveTo({ kind: 'queued', position, queueLength });
        }
        return 'again';
      },
      refused: (code, error): Next => {
        if (code === 'not_in_queue') {
          this.view.line('notice', 'You are no longer in the queue. /enter to queue again.');
          this.view.moveTo({ kind: 'idle' });
          return 'stop';
        }
        if (code === 'invalid_client') {
          this.options.identityLost();
          return 'stop';
        }
        this.view.line('error', error);
        return 'again';
      },
    };
  }

  private roomPoll(roomId: string): LongPoll {
    return {
      tool: 'wait_for_message',
      args: () => ({ room_id: roomId, client_id: this.options.clientId() }),
      answered: async (body, signal): Promise<Next> => {
        if (body.timeout === true) {
          if (body.restarting === true) this.link.drop('the server is restarting');
          return 'again';
        }
        const batch = Array.isArray(body.messages) ? wire.messages(body.messages) : wire.messages([body]);
        for (const m of batch) this.receive(roomId, m);
        if (batch.some((m) => m.system)) await this.refreshMembers(roomId, signal);
        return 'again';
      },
      refused: (code, error): Next => {
        switch (code) {
          case 'chat_ended':
            this.view.updateRoom(roomId, { ended: true, partnerLeft: true });
            return 'stop';
          case 'not_in_room':
          case 'room_not_found':
            this.view.line('notice', `You are no longer in room ${roomId}.`);
            this.room = undefined;
            this.view.moveTo({ kind: 'idle' });
            return 'stop';
          case 'invalid_client':
            this.options.identityLost();
            return 'stop';
          default:
            this.view.line('error', error);
            return 'again';
        }
      },
    };
  }
}
