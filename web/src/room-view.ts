import type { ChatMessage, Member, RoomFeed } from './messages.js';

export interface RoomViewOptions {
  /** Called with the text when the person sends (Enter, or the Send button). */
  onSend(text: string): void;
  /** Loads an earlier page of history; resolves when it is in the feed (and shown). */
  onLoadEarlier(): Promise<void>;
  /** Shown as a Leave button when given. */
  onLeave?: () => void;
  /** The viewer's public id: own messages and mentions of the viewer are marked. */
  selfId(): string | undefined;
}

/** Scrolled within this many pixels of the top, the view asks for earlier messages. */
const LOAD_EARLIER_MARGIN_PX = 80;

/**
 * The one view of a room that the page and the MCP App share: title, members, invite link,
 * messages (sender, time, system notices, replies, mentions), history on scrolling up, and the
 * message box. It renders a feed; it does not talk to the server.
 */
export class RoomView {
  readonly element: HTMLElement;
  private readonly options: RoomViewOptions;
  private readonly title: HTMLHeadingElement;
  private readonly members: HTMLUListElement;
  private readonly invite: HTMLElement;
  private readonly inviteLink: HTMLInputElement;
  private readonly log: HTMLElement;
  private readonly earlier: HTMLButtonElement;
  private readonly list: HTMLOListElement;
  private readonly notice: HTMLElement;
  private readonly box: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly nodes = new Map<number, HTMLLIElement>();
  private loadingEarlier = false;
  private hasMore = false;

  constructor(options: RoomViewOptions) {
    this.options = options;
    this.element = el('section', { class: 'room' });
    const head = el('header', { class: 'room-head' });
    this.title = el('h2', { class: 'room-title', id: uniqueId('room-title') });
    this.element.setAttribute('aria-labelledby', this.title.id);
    this.members = el('ul', { class: 'members', 'aria-label': 'Members' });
    head.append(this.title, this.members);
    if (options.onLeave) {
      const leave = el('button', { type: 'button', class: 'leave' }, 'Leave');
      leave.addEventListener('click', () => options.onLeave?.());
      head.append(leave);
    }
    this.invite = el('p', { class: 'invite', hidden: '' });
    const inviteId = uniqueId('invite');
    this.inviteLink = el('input', { id: inviteId, readonly: '', class: 'invite-link' });
    const copy = el('button', { type: 'button' }, 'Copy');
    copy.addEventListener('click', () => {
      this.inviteLink.select();
      void navigator.clipboard?.writeText(this.inviteLink.value).catch(() => {});
    });
    this.invite.append(el('label', { for: inviteId }, 'Invite link'), this.inviteLink, copy);

    this.log = el('div', { class: 'log', role: 'log', 'aria-label': 'Messages', tabindex: '0' });
    this.earlier = el('button', { type: 'button', class: 'earlier', hidden: '' }, 'Load earlier messages');
    this.earlier.addEventListener('click', () => void this.loadEarlier());
    this.list = el('ol', { class: 'messages' });
    this.log.append(this.earlier, this.list);
    this.log.addEventListener('scroll', () => {
      if (this.log.scrollTop < LOAD_EARLIER_MARGIN_PX) void this.loadEarlier();
    });

    this.notice = el('p', { class: 'notice', role: 'status', hidden: '' });
    const form = el('form', { class: 'composer' });
    const boxId = uniqueId('message');
    this.box = el('textarea', { id: boxId, name: 'message', rows: '1', autocomplete: 'off' });
    this.sendButton = el('button', { type: 'submit' }, 'Send');
    form.append(el('label', { for: boxId, class: 'sr-only' }, 'Message'), this.box, this.sendButton);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    // Enter sends; Shift+Enter starts a new line (and an IME composition is left alone).
    this.box.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.element.append(head, this.invite, this.log, this.notice, form);
  }

  setTitle(text: string): void {
    this.title.textContent = text;
  }

  setMembers(members: readonly Member[]): void {
    this.members.replaceChildren(
      ...members.map((m) => {
        const item = el('li', {}, m.display_name);
        if (m.user_id === this.options.selfId()) item.append(el('span', { class: 'you' }, ' (you)'));
        return item;
      }),
    );
  }

  /** The link that lets others into a private room; hidden when there is none. */
  setInvite(link: string | undefined): void {
    this.invite.hidden = link === undefined;
    this.inviteLink.value = link ?? '';
  }

  setHasMore(hasMore: boolean): void {
    this.hasMore = hasMore;
    this.earlier.hidden = !hasMore;
  }

  /** A line under the messages (the chat ended, reconnecting, an error); `undefined` clears it. */
  setNotice(text: string | undefined): void {
    this.notice.hidden = text === undefined;
    this.notice.textContent = text ?? '';
  }

  /** Turns the message box off, for a chat that has ended. */
  setWritable(writable: boolean): void {
    this.box.disabled = !writable;
    this.sendButton.disabled = !writable;
  }

  focusBox(): void {
    this.box.focus();
  }

  /** Shows what `feed.add` just added, in place, keeping the reader's scroll position. */
  render(feed: RoomFeed, added: readonly { message: ChatMessage; before: number | null }[]): void {
    if (added.length === 0) return;
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    const heightBefore = this.log.scrollHeight;
    const topBefore = this.log.scrollTop;
    let prepended = false;
    for (const { message, before } of added) {
      const node = this.messageNode(message, feed);
      const next = before === null ? null : (this.nodes.get(before) ?? null);
      this.list.insertBefore(node, next);
      this.nodes.set(message.seq, node);
      if (before !== null) prepended = true;
    }
    if (atBottom && !prepended) this.log.scrollTop = this.log.scrollHeight;
    else if (prepended) this.log.scrollTop = topBefore + (this.log.scrollHeight - heightBefore);
  }

  scrollToEnd(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }

  private submit(): void {
    const text = this.box.value.trim();
    if (text === '' || this.box.disabled) return;
    this.box.value = '';
    this.options.onSend(text);
  }

  private async loadEarlier(): Promise<void> {
    if (this.loadingEarlier || !this.hasMore) return;
    this.loadingEarlier = true;
    this.earlier.disabled = true;
    try {
      await this.options.onLoadEarlier();
    } finally {
      this.loadingEarlier = false;
      this.earlier.disabled = false;
    }
  }

  private messageNode(m: ChatMessage, feed: RoomFeed): HTMLLIElement {
    const self = this.options.selfId();
    const item = el('li', { class: 'msg', 'data-seq': String(m.seq) });
    if (m.system) item.classList.add('system');
    if (self !== undefined && m.sender_id === self) item.classList.add('own');
    const meta = el('div', { class: 'meta' });
    if (!m.system) meta.append(el('span', { class: 'sender' }, m.sender));
    const time = new Date(m.timestamp);
    if (!Number.isNaN(time.getTime())) {
      const shown = time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      meta.append(el('time', { datetime: m.timestamp, title: time.toLocaleString() }, shown));
    }
    item.append(meta);
    const quoted = replyText(m, feed);
    if (quoted) item.append(el('blockquote', { class: 'reply' }, quoted));
    item.append(textWithMentions(m));
    if (self !== undefined && m.mentions?.includes(self)) {
      item.classList.add('mentioned');
      item.append(el('span', { class: 'sr-only' }, ' (mentions you)'));
    }
    return item;
  }
}

/** "In reply to NAME: text", from `reply_preview` (object or string), else from the feed. */
function replyText(m: ChatMessage, feed: RoomFeed): string | undefined {
  if (m.reply_to === undefined && m.reply_preview === undefined) return undefined;
  const preview = m.reply_preview as { sender?: unknown; message?: unknown } | string | undefined;
  if (typeof preview === 'string') return `In reply to: ${preview}`;
  const original = m.reply_to === undefined ? undefined : feed.get(m.reply_to);
  const sender = String(preview?.sender ?? original?.sender ?? 'an earlier message');
  const text = String(preview?.message ?? original?.message ?? '');
  return `In reply to ${sender}${text ? `: ${text}` : ''}`;
}

/** The text, with `@name` words marked when the message mentions someone. */
function textWithMentions(m: ChatMessage): HTMLParagraphElement {
  const paragraph = el('p', { class: 'text' });
  if (!m.mentions?.length) {
    paragraph.textContent = m.message;
    return paragraph;
  }
  for (const part of m.message.split(/(@[\w.-]+)/)) {
    paragraph.append(
      part.startsWith('@') ? el('span', { class: 'at' }, part) : document.createTextNode(part),
    );
  }
  return paragraph;
}

let idCounter = 0;
function uniqueId(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A small element builder: text goes in as text, never as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}
