import { COMMAND_HELP } from './commands.js';
import type { Body } from './connection.js';
import * as wire from './wire.js';

/** The words of the session's notices that only read an answer: /status, /help, and push hints. */

export interface StatusContext {
  /** The name to show when the answer has none. */
  displayName: string;
  url: URL;
  clientId: string;
  /** /status id: also show the client id, which is a secret. */
  showId: boolean;
}

/** A get_status answer, one notice per line. */
export function statusNotices(body: Body, context: StatusContext): string[] {
  const name = wire.text(body, 'display_name') ?? context.displayName;
  const lines = [`You are ${name} (user ${wire.text(body, 'user_id') ?? '?'}) on ${context.url.href}.`];
  if (body.state === 'waiting') {
    lines.push(`Waiting in the random queue at position ${wire.number(body, 'position') ?? '?'}.`);
  }
  const rooms = Array.isArray(body.rooms) ? body.rooms : [];
  if (rooms.length === 0 && body.state !== 'waiting') lines.push('Not in any room.');
  for (const room of rooms) {
    const entry = room as Body;
    const names = wire.members(entry.members).map((m) => m.displayName);
    lines.push(
      `Room ${wire.text(entry, 'room_id') ?? '?'}: ${names.join(', ')}; ${wire.number(entry, 'unread') ?? 0} unread.`,
    );
  }
  if (context.showId) lines.push(`Your client id (a secret; --client-id resumes it): ${context.clientId}`);
  return lines;
}

export function helpNotices(): string[] {
  return [
    ...COMMAND_HELP.map(([usage, meaning]) => `${usage.padEnd(22)} ${meaning}`),
    'PgUp/PgDn scroll the messages; Up/Down recall what you typed.',
  ];
}

/**
 * Push is a hint on top of the waits, and a wait forwards only what its own answer will not
 * say. The one hint worth showing: a match from the random queue while one is elsewhere (the
 * same identity queued from another client, or a match that landed just as a /join left the
 * queue). Undefined when there is nothing to show.
 */
export function pushNotice(method: string, params: Body, queued: boolean): string | undefined {
  if (method !== 'chatroom.found' || queued) return undefined;
  const partner = wire.member(params.partner);
  if (!partner) return undefined;
  return `The random queue matched you with ${partner.displayName}. /enter goes to that chat.`;
}
