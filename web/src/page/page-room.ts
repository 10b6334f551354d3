import { type ChatMessage, type Member, RoomFeed } from '../messages.js';
import { el, RoomView } from '../room-view.js';
import { type Json, ToolError } from '../tool-caller.js';

export interface PageRoomHooks {
  /** Puts this room on screen. */
  select(): void;
  loadEarlier(): Promise<void>;
  leave(): void;
  /** The viewer's public id and name, for own messages. */
  self(): { userId: string | undefined; name: string | undefined };
  /** Sends one message (send_message with this key); throws as a tool call does. */
  deliver(text: string, key: string): Promise<Json>;
  /** After a failure that is not a refusal: waits (or signs in) before the next try. */
  recover(error: unknown): Promise<void>;
}

/**
 * One room of the page: its feed and view, its entry in the list of chats (with the unread
 * count), and the messages the person wrote that the server has not yet confirmed.
 */
export class PageRoom {
  readonly id: string;
  /** Queue-matched chats end when a partner leaves; named rooms go on. */
  readonly kind: 'match' | 'named';
  readonly feed = new RoomFeed();
  readonly view: RoomView;
  readonly tab: HTMLButtonElement;
  members: Member[] = [];
  unread = 0;
  /**
   * Counts the times the room was put on screen (read): an unread count the server computed
   * before the last of them is stale, so the page keeps it only when this did not change.
   */
  readMark = 0;
  ended = false;
  private readonly badge: HTMLElement;
  private readonly item: HTMLLIElement;
  private readonly hooks: PageRoomHooks;
  private readonly outbox: { text: string; key: string }[] = [];
  private sending = false;

  constructor(id: string, kind: PageRoom['kind'], list: HTMLElement, hooks: PageRoomHooks) {
    this.id = id;
    this.kind = kind;
    this.hooks = hooks;
    this.tab = el('button', { type: 'button', class: 'tab' });
    this.badge = el('span', { class: 'badge', hidden: '' });
    this.tab.append(el('span', { class: 'tab-name' }, id), this.badge);
    this.tab.addEventListener('click', () => hooks.select());
    this.item = el('li');
    this.item.append(this.tab);
    list.append(this.item);
    this.view = new RoomView({
      onSend: (text) => this.send(text),
      onLoadEarlier: () => hooks.loadEarlier(),
      onLeave: () => hooks.leave(),
      selfId: () => hooks.self().userId,
    });
    this.view.setTitle(id);
  }

  addMessages(messages: readonly ChatMessage[]): void {
    this.view.render(this.feed, this.feed.add(messages));
  }

  setMembers(members: Member[]): void {
    this.members = members;
    this.view.setMembers(members);
  }

  setUnread(unread: number): void {
    this.unread = unread;
    this.badge.hidden = unread === 0;
    this.badge.textContent = String(unread);
    this.badge.setAttribute('aria-label', `${unread} unread`);
  }

  setCurrent(current: boolean): void {
    this.tab.toggleAttribute('aria-current', current);
    if (current) this.tab.setAttribute('aria-current', 'page');
  }

  /** A queue-matched chat whose partner left: it stays readable, the box is off. */
  end(): void {
    this.ended = true;
    this.view.setWritable(false);
    this.view.setNotice('This chat has ended. Start a new one from "New chat".');
  }

  remove(): void {
    this.item.remove();
  }

  private send(text: string): void {
    this.outbox.push({ text, key: crypto.randomUUID() });
    void this.flush();
  }

  /** Sends in order; a retry after a lost answer reuses the key, so nothing is stored twice. */
  private async flush(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      for (let next = this.outbox[0]; next; next = this.outbox[0]) {
        try {
          const body = await this.hooks.deliver(next.text, next.key);
          this.outbox.shift();
          this.addMessages([this.ownMessage(body, next.text)]);
          if (!this.ended) this.view.setNotice(undefined);
        } catch (error) {
          if (error instanceof ToolError) {
            this.outbox.shift();
            this.view.setNotice(`Not sent: ${error.message}`);
            if (error.code === 'chat_ended') this.end();
          } else {
            this.view.setNotice('Not sent yet: reconnecting…');
            await this.hooks.recover(error);
          }
        }
      }
    } finally {
      this.sending = false;
    }
  }

  private ownMessage(body: Json, text: string): ChatMessage {
    const self = this.hooks.self();
    return {
      seq: Number(body.seq),
      message: text,
      sender: self.name ?? 'You',
      sender_id: self.userId ?? '',
      timestamp: String(body.timestamp ?? new Date().toISOString()),
      message_id: String(body.message_id ?? ''),
    };
  }
}
