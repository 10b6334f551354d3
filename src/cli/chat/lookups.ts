import type { Input } from './commands.js';
import type { Body } from './connection.js';
import { clock, preview } from './format.js';
import { safetyCall, safetyNotices } from './safety-commands.js';
import type { Place } from './state.js';
import * as wire from './wire.js';

type Lookup = Extract<Input, { kind: 'rooms' | 'search' | 'safety' }>;

/** The tool call of a lookup or safety command, or what is wrong with it. */
export function lookupCall(
  input: Lookup,
  clientId: string | undefined,
  place: Place,
): { tool: string; args: Record<string, unknown> } | { error: string } {
  if (clientId === undefined) return { error: 'Not signed in yet: /enter or /join first.' };
  if (input.kind === 'safety') return safetyCall(input, clientId, place);
  const args = { client_id: clientId, query: input.query };
  return { tool: input.kind === 'rooms' ? 'list_rooms' : 'search_messages', args };
}

export function lookupNotices(input: Lookup, body: Body): string[] {
  if (input.kind === 'safety') return safetyNotices(input, body);
  return input.kind === 'rooms' ? roomsNotices(body) : searchNotices(body);
}

/** The words of /rooms and /search answers: one notice per room or hit. */

export function roomsNotices(body: Body): string[] {
  const rooms = Array.isArray(body.rooms) ? (body.rooms as Body[]) : [];
  if (rooms.length === 0) return ['No open rooms with people in them. /join ROOM starts one.'];
  const lines = rooms.map((room) => {
    const topic = wire.text(room, 'topic');
    const people = `${wire.number(room, 'members') ?? 0}/${wire.number(room, 'capacity') ?? '?'}`;
    return `${wire.text(room, 'room_id') ?? '?'} (${people})${topic ? `: ${topic}` : ''}`;
  });
  if (typeof body.next_cursor === 'string') lines.push('…and more: narrow it down with /rooms WORDS.');
  lines.push('/join ROOM to enter one.');
  return lines;
}

export function searchNotices(body: Body): string[] {
  const hits = Array.isArray(body.messages) ? (body.messages as Body[]) : [];
  if (hits.length === 0) return ['Nothing found in your rooms.'];
  return hits.map((hit) => {
    const message = wire.message(hit);
    if (!message) return '?';
    const room = wire.text(hit, 'room_id') ?? '?';
    return `${room} #${message.seq} [${clock(message.time)}] ${message.sender}: ${preview(message.text, 120)}`;
  });
}
