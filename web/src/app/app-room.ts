import { type Member, membersOf, messagesOf, RoomFeed } from '../messages.js';
import { el, RoomView } from '../room-view.js';
import { type Json, type ToolCaller, ToolError } from '../tool-caller.js';

export interface AppRoomOptions {
  caller: ToolCaller;
  clientId: string;
  main: HTMLElement;
  /** Tells the host's model what the person wrote (its own waits never return own messages). */
  tellModel(text: string): void;
}

/** How often the view looks for new messages. */
const POLL_MS = 1000;
/** Members are refreshed every this many polls (and after every system message). */
const MEMBERS_EVERY = 5;

/**
 * The room inside the host. It reads with get_messages, which moves nobody's cursor, rather than
 * waiting: the agent driving the host waits with the same identity, and the view must not take
 * its messages (or supersede its wait).
 */
export class AppRoom {
  readonly clientId: string;
  private readonly options: AppRoomOptions;
  private roomId: string | undefined;
  private userId: string | undefined;
  private displayName: string | undefined;
  private feed = new RoomFeed();
  private view: RoomView | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private polls = 0;
  private stopped = false;
  private readonly waiting: HTMLElement;

  constructor(options: AppRoomOptions) {
    this.options = options;
    this.clientId = options.clientId;
    this.waiting = el('p', { class: 'notice', role: 'status' }, 'Waiting for a partner…');
  }

  /** Shows the room a tool result is about (or the queue, when it is about waiting). */
  show(result: Json, roomId: string | undefined): void {
    if (typeof result.user_id === 'string') this.userId = result.user_id;
    if (typeof result.display_name === 'string') this.displayName = result.display_name;
    if (roomId && roomId !== this.roomId) this.enter(roomId);
    if (!this.roomId) this.options.main.replaceChildren(this.waiting);
    if (this.view) {
      const members = membersOf(result);
      if (members) this.view.setMembers(members);
      this.add([...messagesOf(result, 'recent_messages'), ...messagesOf(result)]);
    }
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private enter(roomId: string): void {
    this.roomId = roomId;
    this.feed = new RoomFeed();
    const view = new RoomView({
      onSend: (text) => void this.send(text),
      onLoadEarlier: () => this.loadEarlier(),
      selfId: () => this.userId,
    });
    view.setTitle(roomId);
    this.view = view;
    this.options.main.replaceChildren(view.element);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    try {
      if (this.polls % MEMBERS_EVERY === 0 || !this.roomId) await this.refreshStatus();
      this.polls += 1;
      if (this.roomId) await this.fetchNew();
      this.view?.setNotice(undefined);
    } catch (error) {
      this.view?.setNotice(error instanceof ToolError ? error.message : 'Reconnecting…');
      if (error instanceof ToolError && ['chat_ended', 'not_in_room'].includes(error.code)) {
        this.view?.setWritable(false);
        return; // nothing more will come
      }
    }
    this.schedule(POLL_MS);
  }

  private async refreshStatus(): Promise<void> {
    const status = await this.options.caller.call('get_status', { client_id: this.clientId });
    if (typeof status.user_id === 'string') this.userId = status.user_id;
    if (typeof status.display_name === 'string') this.displayName = status.display_name;
    const rooms = Array.isArray(status.rooms) ? (status.rooms as Json[]) : [];
    if (!this.roomId) {
      // Matched while the view watched the queue: the newest room is the match.
      const matched = rooms[rooms.length - 1];
      if (matched && typeof matched.room_id === 'string') this.enter(matched.room_id);
    }
    const current = rooms.find((r) => r.room_id === this.roomId);
    const members = current ? membersOf(current) : undefined;
    if (members) this.view?.setMembers(members as Member[]);
  }

  private async fetchNew(): Promise<void> {
    const first = this.feed.newestSeq === undefined;
    for (let page = 0; page < 10; page += 1) {
      const args: Json = { room_id: this.roomId, client_id: this.clientId, limit: first ? 50 : 100 };
      if (!first) args.after = this.feed.newestSeq;
      const body = await this.options.caller.call('get_messages', args);
      const messages = messagesOf(body);
      this.add(messages);
      if (first) this.view?.setHasMore(body.has_more === true);
      if (first || body.has_more !== true || messages.length === 0) return;
    }
  }

  private async loadEarlier(): Promise<void> {
    const args: Json = { room_id: this.roomId, client_id: this.clientId, limit: 100 };
    if (this.feed.oldestSeq !== undefined) args.before = this.feed.oldestSeq;
    const body = await this.options.caller.call('get_messages', args);
    this.add(messagesOf(body));
    this.view?.setHasMore(body.has_more === true);
  }

  private add(messages: ReturnType<typeof messagesOf>): void {
    if (!this.view) return;
    this.view.render(this.feed, this.feed.add(messages));
    if (messages.some((m) => m.system)) this.polls = 0;
  }

  private async send(text: string): Promise<void> {
    const roomId = this.roomId;
    if (!roomId) return;
    try {
      const body = await this.options.caller.call('send_message', {
        room_id: roomId,
        client_id: this.clientId,
        message: text,
        idempotency_key: crypto.randomUUID(),
      });
      this.add([
        {
          seq: Number(body.seq),
          message: text,
          sender: this.displayName ?? 'You',
          sender_id: this.userId ?? '',
          timestamp: String(body.timestamp),
          message_id: String(body.message_id),
        },
      ]);
      this.options.tellModel(`The person wrote in room ${roomId} (sent as you): ${text}`);
    } catch (error) {
      this.view?.setNotice(`Not sent: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
