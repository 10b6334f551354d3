import type { Server } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { ChatEvent, ChatService } from '../chat/index.js';
import { channelFor } from './channel.js';
import { logLineFor, pushFor } from './notifications.js';

/** A session that juggles more identities than this is not a person's client; stop binding more. */
const MAX_BOUND_USERS = 64;

/**
 * Push for one 2025-era session: every participant whose client_id the session used is bound to
 * it, and what those participants should be told goes out on the session's GET stream as
 * `chatroom.found`, `message.received` and `partner.disconnected`, plus MCP logging lines for
 * matches, joins and leaves (the SDK applies the session's `logging/setLevel`), and as
 * `notifications/claude/channel` for Claude Code channels, whether or not the client declared
 * anything about channels (clients ignore notifications they do not know).
 */
export class SessionPush {
  private readonly watching = new Map<string, () => void>();
  private readonly clientUsers = new Map<string, string>();

  constructor(
    private readonly server: Server,
    private readonly chat: ChatService,
    private readonly logger: Logger,
  ) {}

  /** Binds the participant behind `clientId` (its user id, when the caller already knows it). */
  async bind(clientId: string, knownUserId?: string): Promise<void> {
    if (this.clientUsers.has(clientId) || this.watching.size >= MAX_BOUND_USERS) return;
    const userId = knownUserId ?? (await this.chat.userIdOf(clientId));
    if (!userId) return;
    this.clientUsers.set(clientId, userId);
    if (this.watching.has(userId)) return;
    this.watching.set(
      userId,
      this.chat.watchUser(userId, (event) => this.deliver(event)),
    );
  }

  close(): void {
    for (const stop of this.watching.values()) stop();
    this.watching.clear();
    this.clientUsers.clear();
  }

  private deliver(event: ChatEvent): void {
    const push = pushFor(event);
    if (push) this.server.notification(push).catch((error: unknown) => this.dropped(error));
    const channel = channelFor(event);
    if (channel) this.server.notification(channel).catch((error: unknown) => this.dropped(error));
    const line = logLineFor(event);
    if (line) {
      // The SDK keeps each session's logging/setLevel under the transport's session id.
      const sessionId = this.server.transport?.sessionId;
      this.server
        .sendLoggingMessage({ level: line.level, logger: 'mcp-chat', data: line.data }, sessionId)
        .catch((error: unknown) => this.dropped(error));
    }
  }

  /** No GET stream open right now: push is a convenience, the tools still deliver everything. */
  private dropped(error: unknown): void {
    this.logger.debug({ err: error }, 'push notification not sent');
  }
}
