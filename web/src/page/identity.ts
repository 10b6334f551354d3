/**
 * What the page keeps in the browser (localStorage), so a reload, a new tab or a server restart
 * comes back as the same person: the secret `client_id`, the public `user_id`, the name, the
 * invites of private rooms, and the sign-in token.
 */
const KEY = {
  clientId: 'mcp-chat.client_id',
  userId: 'mcp-chat.user_id',
  name: 'mcp-chat.display_name',
  token: 'mcp-chat.token',
  invites: 'mcp-chat.invites',
} as const;

function read(key: string): string | undefined {
  try {
    return localStorage.getItem(key) ?? undefined;
  } catch {
    return undefined; // storage turned off: the page still works, it just forgets on reload
  }
}

function write(key: string, value: string | undefined): void {
  try {
    if (value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // as above
  }
}

export class Identity {
  get clientId(): string | undefined {
    return read(KEY.clientId);
  }

  get userId(): string | undefined {
    return read(KEY.userId);
  }

  get name(): string | undefined {
    return read(KEY.name);
  }

  set name(value: string | undefined) {
    write(KEY.name, value);
  }

  get token(): string | undefined {
    return read(KEY.token);
  }

  set token(value: string | undefined) {
    write(KEY.token, value);
  }

  /** Remembers who the server says we are (from enter_queue or join_room). */
  remember(clientId: unknown, userId: unknown): void {
    if (typeof clientId === 'string') write(KEY.clientId, clientId);
    if (typeof userId === 'string') write(KEY.userId, userId);
  }

  /** The server no longer knows this identity (`invalid_client`): start afresh. */
  forget(): void {
    write(KEY.clientId, undefined);
    write(KEY.userId, undefined);
  }

  invite(roomId: string): string | undefined {
    return this.invites()[roomId];
  }

  /** The link that takes someone else into a private room this browser holds the invite of. */
  inviteLink(roomId: string): string | undefined {
    const invite = this.invite(roomId);
    if (invite === undefined) return undefined;
    return `${location.origin}/r/${encodeURIComponent(roomId)}?invite=${encodeURIComponent(invite)}`;
  }

  setInvite(roomId: string, invite: string): void {
    write(KEY.invites, JSON.stringify({ ...this.invites(), [roomId]: invite }));
  }

  private invites(): Record<string, string> {
    try {
      const parsed: unknown = JSON.parse(read(KEY.invites) ?? '{}');
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    }
  }
}
