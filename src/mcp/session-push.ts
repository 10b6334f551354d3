import type { LoggingLevel, Server } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { ChatEvent, ChatService } from '../chat/index.js';
import { channelFor } from './channel.js';
import { logLineFor, pushFor } from './notifications.js';

/** A session that juggles more identities than this is not a person's client; stop binding more. */
export const MAX_BOUND_USERS = 64;

/** RFC 5424 severities, least severe first (the order of MCP's logging levels). */
export const LOGGING_LEVELS: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

/**
 * Push for one 2025-era session: every participant whose client_id the session used is bound to
 * it, and what those participants should be told goes out on the session's GET stream as
 * `chatroom.found`, `message.received` and `partner.disconnected`, plus MCP logging lines for
 * matches, joins and leaves (filtered by the session's `logging/setLevel`, kept here rather than
 * in the SDK because it is stored with the session and may be set on another instance), and as
 * `notifications/claude/channel` for Claude Code channels, whether or not the client declared
 * anything about channels (clients ignore notifications they do not know).
 */
export class SessionPush {
  private readonly watching = new Map<string, () => void>();
  private readonly clientUsers = new Map<string, string>();
  /** `logging/setLevel`; until the client sets one, every line goes out. */
  level: LoggingLevel | undefined;
  /**
   * Off while another copy of the session (on another instance) holds its GET stream: exactly one
   * copy pushes, so the shared replay log holds each event once.
   */
  pushing = true;

  constructor(
    private readonly server: Server,
    private readonly chat: ChatService,
    private readonly logger: Logger,
    /** A participant was bound for the first time here (the session's record learns it). */
    private readonly onBound: (userId: string) => void = () => {},
  ) {}

  /** Binds the participant behind `clientId` (its user id, when the caller already knows it). */
  async bind(clientId: string, knownUserId?: string): Promise<void> {
    if (this.clientUsers.has(clientId) || this.watching.size >= MAX_BOUND_USERS) return;
    const userId = knownUserId ?? (await this.chat.userIdOf(clientId));
    if (!userId) return;
    this.clientUsers.set(clientId, userId);
    if (this.watchUser(userId)) this.onBound(userId);
  }

  /**
   * After a successful tool call: the session has now used this identity (the call's client_id,
   * or the one it was just given), so from here on it hears what concerns it.
   */
  async bindCaller(args: Record<string, unknown>, body: Record<string, unknown>): Promise<void> {
    const clientId = args.client_id ?? body.client_id;
    if (typeof clientId !== 'string') return;
    await this.bind(clientId, typeof body.user_id === 'string' ? body.user_id : undefined);
  }

  /** Hears a participant bound earlier or elsewhere (from the session's record); false if already. */
  watchUser(userId: string): boolean {
    if (this.watching.has(userId) || this.watching.size >= MAX_BOUND_USERS) return false;
    this.watching.set(
      userId,
      this.chat.watchUser(userId, (event) => this.deliver(event)),
    );
    return true;
  }

  close(): void {
    for (const stop of this.watching.values()) stop();
    this.watching.clear();
    this.clientUsers.clear();
  }

  private deliver(event: ChatEvent): void {
    if (!this.pushing) return;
    const push = pushFor(event);
    if (push) this.server.notification(push).catch((error: unknown) => this.dropped(error));
    const channel = channelFor(event);
    if (channel) this.server.notification(channel).catch((error: unknown) => this.dropped(error));
    const line = logLineFor(event);
    if (line && this.wants(line.level)) {
      this.server
        .notification({ method: 'notifications/message', params: { ...line, logger: 'mcp-chat' } })
        .catch((error: unknown) => this.dropped(error));
    }
  }

  private wants(level: LoggingLevel): boolean {
    return this.level === undefined || LOGGING_LEVELS.indexOf(level) >= LOGGING_LEVELS.indexOf(this.level);
  }

  /** No GET stream open right now: push is a convenience, the tools still deliver everything. */
  private dropped(error: unknown): void {
    this.logger.debug({ err: error }, 'push notification not sent');
  }
}
