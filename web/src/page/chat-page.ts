import { membersOf, messagesOf } from '../messages.js';
import { el } from '../room-view.js';
import { AuthRequiredError, type Json, ToolError } from '../tool-caller.js';
import type { McpConnection, PushNotification } from './connection.js';
import type { Identity } from './identity.js';
import { Lobby } from './lobby.js';
import { PageRoom } from './page-room.js';
import type { SignIn } from './sign-in.js';
import { sleep } from './sleep.js';
import { UnreadCounts } from './unread-counts.js';

/** Seconds a parked wait lasts before it is renewed (well under every proxy's idle limit). */
const WAIT_SECONDS = 25;
/** A page of history when scrolling back; the tool's maximum. */
const HISTORY_PAGE = 100;
const [RETRY_MIN_MS, RETRY_MAX_MS] = [250, 4000];
/** How long the page leaves the wait to another tab of the same person that took it over. */
const SUPERSEDED_PAUSE_MS = 5000;

export interface ChatPageParts {
  connection: McpConnection;
  identity: Identity;
  signIn: SignIn;
  roomList: HTMLElement;
  main: HTMLElement;
  status: HTMLElement;
}

/**
 * The page's logic: one identity, its rooms, the queue, and one parked wait at a time (in the
 * room on screen, or for a match). What happens in the other rooms rides that wait's response
 * stream as push, which only counts unread; the tools, with `after`, are what fill a room, so
 * a lost response or a restart never loses or repeats a message.
 */
export class ChatPage {
  private readonly parts: ChatPageParts;
  private readonly lobby: Lobby;
  private readonly rooms = new Map<string, PageRoom>();
  private active: PageRoom | undefined;
  private queueing = false;
  private wait: AbortController | undefined;
  private retryMs = RETRY_MIN_MS;
  private tokenRefused = false;
  /** Whether the server has `mark_read`: then what the person saw on screen counts as read. */
  private canMarkRead = false;
  private readonly unread: UnreadCounts;
  private readonly lobbyTab: HTMLButtonElement;

  constructor(parts: ChatPageParts) {
    this.parts = parts;
    this.unread = new UnreadCounts({
      rooms: this.rooms,
      active: () => this.active,
      selfId: () => this.parts.identity.userId,
      refresh: () => this.restore(),
    });
    this.lobby = new Lobby({
      queue: (name, interests) => void this.act(() => this.enterQueue(name, interests)),
      stopWaiting: () => void this.act(() => this.stopWaiting()),
      join: (name, roomId, isPrivate) => void this.act(() => this.joinRoom(name, roomId, { isPrivate })),
    });
    this.lobby.nameValue = parts.identity.name ?? '';
    this.lobbyTab = el('button', { type: 'button', class: 'tab' }, 'New chat');
    this.lobbyTab.addEventListener('click', () => this.show(undefined));
    parts.roomList.append(el('li', {}, '') as HTMLLIElement);
    parts.roomList.firstElementChild?.append(this.lobbyTab);
    this.show(undefined);
  }

  /** Restores this browser's identity and rooms, follows a room link, then keeps the page live. */
  async start(link: { roomId: string; name?: string; invite?: string } | undefined): Promise<void> {
    if (link?.name) this.lobby.nameValue = link.name;
    if (link) this.lobby.roomValue = link.roomId;
    await this.act(async () => {
      const args = await this.parts.connection.toolArguments();
      this.lobby.setPrivateSupported(args.get('join_room')?.has('visibility') ?? false);
      this.lobby.setInterestsSupported(args.get('enter_queue')?.has('interests') ?? false);
      this.canMarkRead = args.has('mark_read');
      if (this.parts.identity.clientId) await this.restore();
      const name = link?.name ?? this.parts.identity.name;
      if (link && name) await this.joinRoom(name, link.roomId, { invite: link.invite });
    });
    void this.run();
  }

  // ---- the live loop -------------------------------------------------------------------------

  private async run(): Promise<void> {
    for (;;) {
      const wait = new AbortController();
      this.wait = wait;
      try {
        const room = this.active;
        if (this.queueing) await this.waitForMatch(wait.signal);
        else if (room && !room.ended) await this.waitInRoom(room, wait.signal);
        else {
          await sleep(room || this.rooms.size === 0 ? 60_000 : 10_000, wait.signal);
          if (!wait.signal.aborted) await this.restore();
        }
        this.online();
      } catch (error) {
        if (wait.signal.aborted) continue;
        await this.recover(error);
      }
    }
  }

  /** Ends the parked wait so the loop starts the right one (another room, the queue). */
  private rewait(): void {
    this.wait?.abort();
  }

  private async waitInRoom(room: PageRoom, signal: AbortSignal): Promise<void> {
    const args: Json = { room_id: room.id, client_id: this.clientId(), timeout: WAIT_SECONDS };
    if (room.feed.newestSeq !== undefined) args.after = room.feed.newestSeq;
    const body = await this.call('wait_for_message', args, signal, () => this.unread.recount());
    const messages = messagesOf(body);
    room.addMessages(messages);
    if (messages.some((m) => m.system)) void this.restore().catch(() => {});
    if (room.kind === 'match' && messages.some((m) => m.disconnect)) room.end();
    await this.yieldIfSuperseded(body, signal);
  }

  /**
   * Another wait of this identity (another tab) took over: step back a while instead of taking
   * it back at once, so two tabs do not bounce the wait between them.
   */
  private async yieldIfSuperseded(body: Json, signal: AbortSignal): Promise<void> {
    if (body.superseded === true) await sleep(SUPERSEDED_PAUSE_MS, signal);
  }

  private async waitForMatch(signal: AbortSignal): Promise<void> {
    const body = await this.call(
      'wait_for_match',
      { client_id: this.clientId(), timeout: WAIT_SECONDS },
      signal,
      () => this.unread.recount(),
    );
    if (body.status === 'matched' && typeof body.room_id === 'string') {
      this.queueing = false;
      this.lobby.setWaiting(undefined);
      await this.openRoom(body.room_id, 'match');
    } else {
      this.lobby.setWaiting(typeof body.position === 'number' ? body.position : null);
      await this.yieldIfSuperseded(body, signal);
    }
  }

  /** After a failure: sign in, or wait a little longer each time and try again. */
  private async recover(error: unknown): Promise<void> {
    if (error instanceof ToolError) {
      this.handleRefusal(error);
      await sleep(RETRY_MIN_MS);
      return;
    }
    this.offline(error instanceof AuthRequiredError ? 'Signing in…' : 'Reconnecting…');
    if (error instanceof AuthRequiredError) return this.askToken();
    await sleep(this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  private handleRefusal(error: ToolError): void {
    if (error.code === 'not_in_queue') {
      this.queueing = false;
      this.lobby.setWaiting(undefined);
    } else if (error.code === 'chat_ended' && this.active) this.active.end();
    else if ((error.code === 'not_in_room' || error.code === 'room_not_found') && this.active)
      this.drop(this.active);
    else if (error.code === 'invalid_client') {
      this.parts.identity.forget();
      for (const room of [...this.rooms.values()]) this.drop(room);
      this.queueing = false;
    }
  }

  // ---- what the person does ------------------------------------------------------------------

  /** Runs an action of the person's, retrying while the server is unreachable; refusals are shown. */
  private async act(action: () => Promise<void>): Promise<void> {
    for (;;) {
      try {
        await action();
        this.online();
        return;
      } catch (error) {
        // The server forgot this browser's identity (unused for 30 days, or a new database):
        // start afresh as a new participant, without troubling the person.
        if (error instanceof ToolError && error.code === 'invalid_client' && this.parts.identity.clientId) {
          this.handleRefusal(error);
          continue;
        }
        if (error instanceof ToolError) {
          this.lobby.setError(error.message);
          return;
        }
        await this.recover(error);
      }
    }
  }

  private async enterQueue(name: string, interests: string[] | undefined): Promise<void> {
    this.parts.identity.name = name;
    const args = interests ? { display_name: name, interests } : { display_name: name };
    const body = await this.call('enter_queue', this.withIdentity(args));
    this.parts.identity.remember(body.client_id, body.user_id);
    if (body.status === 'matched' || body.status === 'already_in_chat') {
      await this.openRoom(String(body.room_id), 'match');
      return;
    }
    this.queueing = true;
    this.lobby.setWaiting(typeof body.position === 'number' ? body.position : null);
    this.rewait();
  }

  private async stopWaiting(): Promise<void> {
    this.queueing = false;
    this.lobby.setWaiting(undefined);
    this.rewait();
    await this.call('leave_queue', { client_id: this.clientId() }).catch((error: unknown) => {
      if (!(error instanceof ToolError)) throw error;
    });
  }

  private async joinRoom(
    name: string,
    roomId: string,
    how: { isPrivate?: boolean; invite?: string },
  ): Promise<void> {
    this.parts.identity.name = name;
    const args = this.withIdentity({ room_id: roomId, display_name: name });
    if (how.isPrivate) args.visibility = 'private';
    const invite = how.invite ?? this.parts.identity.invite(roomId);
    if (invite) args.invite = invite;
    const body = await this.call('join_room', args);
    this.parts.identity.remember(body.client_id, body.user_id);
    if (typeof body.invite === 'string') this.parts.identity.setInvite(roomId, body.invite);
    const room = await this.openRoom(roomId, 'named', body);
    history.replaceState(null, '', `/r/${encodeURIComponent(room.id)}`);
  }

  private async leave(room: PageRoom): Promise<void> {
    this.drop(room);
    await this.call('leave_chat', { room_id: room.id, client_id: this.clientId() }).catch(
      (error: unknown) => {
        if (!(error instanceof ToolError)) throw error;
      },
    );
  }

  // ---- rooms ---------------------------------------------------------------------------------

  /** The rooms and queue state the server has for this identity (after a reload or a restart). */
  private async restore(): Promise<void> {
    if (!this.parts.identity.clientId) return;
    const marks = this.unread.marks();
    const status = await this.call('get_status', { client_id: this.clientId() });
    const rooms = Array.isArray(status.rooms) ? (status.rooms as Json[]) : [];
    for (const entry of rooms) {
      const id = String(entry.room_id);
      const room =
        this.rooms.get(id) ??
        (await this.openRoom(id, id.startsWith('match-') ? 'match' : 'named', undefined, false));
      const members = membersOf(entry);
      if (members) room.setMembers(members);
      this.unread.apply(room, typeof entry.unread === 'number' ? entry.unread : 0, marks);
    }
    if (status.state === 'waiting' && !this.queueing) {
      this.queueing = true;
      this.lobby.setWaiting(typeof status.position === 'number' ? status.position : null);
      this.rewait();
    }
  }

  private async openRoom(id: string, kind: PageRoom['kind'], joined?: Json, focus = true): Promise<PageRoom> {
    let room = this.rooms.get(id);
    if (!room) {
      room = this.createRoom(id, kind);
      this.rooms.set(id, room);
      const page = await this.call('get_messages', { room_id: id, client_id: this.clientId(), limit: 50 });
      room.addMessages(messagesOf(page));
      room.view.setHasMore(page.has_more === true);
    }
    if (joined) {
      const members = membersOf(joined);
      if (members) room.setMembers(members);
      room.addMessages(messagesOf(joined, 'recent_messages'));
    }
    room.view.setInvite(this.parts.identity.inviteLink(id));
    if (focus || !this.active) this.show(room);
    return room;
  }

  private createRoom(id: string, kind: PageRoom['kind']): PageRoom {
    const room: PageRoom = new PageRoom(id, kind, this.parts.roomList, {
      select: () => this.show(room),
      loadEarlier: () => this.act(() => this.loadEarlier(room)),
      leave: () => void this.act(() => this.leave(room)),
      self: () => ({ userId: this.parts.identity.userId, name: this.parts.identity.name }),
      deliver: (text, key) =>
        this.call('send_message', {
          room_id: id,
          client_id: this.clientId(),
          message: text,
          idempotency_key: key,
        }),
      recover: (error) => this.recover(error),
    });
    return room;
  }

  private async loadEarlier(room: PageRoom): Promise<void> {
    const args: Json = { room_id: room.id, client_id: this.clientId(), limit: HISTORY_PAGE };
    if (room.feed.oldestSeq !== undefined) args.before = room.feed.oldestSeq;
    const page = await this.call('get_messages', args);
    room.addMessages(messagesOf(page));
    room.view.setHasMore(page.has_more === true);
  }

  private drop(room: PageRoom): void {
    this.rooms.delete(room.id);
    room.remove();
    if (this.active === room) this.show([...this.rooms.values()][0]);
  }

  /** Puts a room (or, with `undefined`, the lobby) on screen. */
  private show(room: PageRoom | undefined): void {
    const changed = this.active !== room;
    this.active = room;
    this.parts.main.replaceChildren(room ? room.view.element : this.lobby.element);
    for (const other of this.rooms.values()) other.setCurrent(false);
    this.lobbyTab.toggleAttribute('aria-current', room === undefined);
    if (room) {
      room.setCurrent(true);
      room.readMark += 1;
      room.setUnread(0);
      void this.markRead(room);
      room.view.scrollToEnd();
      room.view.focusBox();
    } else this.lobby.focus();
    if (changed) this.rewait();
  }

  /** Push is only a hint (see UnreadCounts). */
  onPush = (push: PushNotification): void => this.unread.onPush(push);

  // ---- plumbing ------------------------------------------------------------------------------

  private async call(
    name: string,
    args: Json,
    signal?: AbortSignal,
    onListening?: () => void,
  ): Promise<Json> {
    const marks = this.unread.marks();
    const body = await this.parts.connection.call(name, args, { signal, onListening });
    this.tokenRefused = false;
    this.unread.fromAnswer(body, marks);
    return body;
  }

  /** Messages shown from history (not through a wait) are read once the person has them on screen. */
  private async markRead(room: PageRoom): Promise<void> {
    const seq = room.feed.newestSeq;
    if (!this.canMarkRead || seq === undefined) return;
    await this.call('mark_read', { room_id: room.id, client_id: this.clientId(), seq }).catch(() => {});
  }

  private async askToken(): Promise<void> {
    const oauth = await this.parts.connection.signInWithOAuth().catch((error: unknown) => error);
    if (oauth === true) return;
    if (oauth instanceof Error) {
      this.offline(`Sign-in failed: ${oauth.message}`);
      return sleep(RETRY_MAX_MS);
    }
    const token = await this.parts.signIn.ask(this.tokenRefused || this.parts.identity.token !== undefined);
    this.tokenRefused = true;
    this.parts.identity.token = token;
    this.parts.connection.setToken(token);
  }

  private clientId(): string {
    return this.parts.identity.clientId ?? '';
  }

  private withIdentity(args: Json): Json {
    const clientId = this.parts.identity.clientId;
    return clientId ? { ...args, client_id: clientId } : args;
  }

  private online(): void {
    this.retryMs = RETRY_MIN_MS;
    this.parts.status.textContent = 'Connected';
    this.parts.status.dataset.state = 'online';
  }

  private offline(text: string): void {
    this.parts.status.textContent = text;
    this.parts.status.dataset.state = 'offline';
  }
}
