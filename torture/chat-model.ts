/**
 * A model of the chat as the README states its rules (named rooms, logs with gapless seqs,
 * cursors, own messages never returned, join and leave notices, idempotency keys, refusals with
 * codes), and the tool calls checked against it. Each command calls the real server and compares
 * the answer with the model; a mismatch throws, and fast-check shrinks the sequence to the
 * shortest that still fails. The generators are in chat-commands.ts.
 */
import type fc from 'fast-check';
import type { Outcome, WireClient } from './wire.js';

export const CLIENTS = 3;
export const ROOMS = 2;

interface Entry {
  seq: number;
  sender: number; // -1: the server
  text: string;
}

interface RoomModel {
  exists: boolean;
  capacity: number;
  members: Set<number>;
  log: Entry[];
  cursors: Map<number, number>;
  keys: Map<string, number>;
}

export interface Model {
  names: string[];
  joined: boolean[];
  rooms: RoomModel[];
}

export interface Real {
  clients: WireClient[];
  ids: string[];
  roomIds: string[];
  /** Every call made, for the figures. */
  calls: { n: number };
}

export function emptyModel(): Model {
  return {
    names: Array.from({ length: CLIENTS }, (_, c) => `P${c}`),
    joined: Array.from({ length: CLIENTS }, () => false),
    rooms: Array.from({ length: ROOMS }, () => ({
      exists: false,
      capacity: 2,
      members: new Set<number>(),
      log: [],
      cursors: new Map<number, number>(),
      keys: new Map<string, number>(),
    })),
  };
}

class Violation extends Error {}

function expect(condition: boolean, what: string, outcome: Outcome): void {
  if (!condition) throw new Violation(`${what}; server answered ${JSON.stringify(outcome).slice(0, 600)}`);
}

export function expectCode(outcome: Outcome, code: string, what: string): void {
  expect(outcome.kind === 'refused' && outcome.code === code, `${what}: expected ${code}`, outcome);
}

export async function call(
  real: Real,
  c: number,
  name: string,
  args: Record<string, unknown>,
): Promise<Outcome> {
  real.calls.n++;
  const outcome = await (real.clients[c] as WireClient).call(name, args);
  expect(outcome.kind !== 'transport', `${name} got no tool answer`, outcome);
  expect(outcome.kind !== 'refused' || outcome.code !== 'internal_error', `${name}: internal_error`, outcome);
  return outcome;
}

const push = (room: RoomModel, sender: number, text: string): Entry => {
  const entry = { seq: room.log.length + 1, sender, text };
  room.log.push(entry);
  return entry;
};

const unreadOf = (room: RoomModel, c: number, after: number) =>
  room.log.filter((entry) => entry.seq > after && entry.sender !== c);

const sameEntries = (got: unknown, want: Entry[]) => {
  const messages = (Array.isArray(got) ? got : []) as { seq: number; message: string }[];
  return (
    messages.length === want.length &&
    messages.every((m, i) => m.seq === want[i]?.seq && m.message === want[i]?.text)
  );
};

/** Refusal for a call in a room by someone who may not be in it, or undefined when allowed. */
function roomRefusal(model: Model, c: number, r: number): string | undefined {
  const room = model.rooms[r] as RoomModel;
  if (!room.exists) return 'room_not_found';
  if (!room.members.has(c)) return 'not_in_room';
  return undefined;
}

export type Command = fc.AsyncCommand<Model, Real, false>;

export class Join implements Command {
  constructor(
    readonly c: number,
    readonly r: number,
    readonly capacity: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const room = model.rooms[this.r] as RoomModel;
    const args: Record<string, unknown> = {
      room_id: real.roomIds[this.r],
      display_name: model.names[this.c],
      capacity: this.capacity,
    };
    if (model.joined[this.c]) args.client_id = real.ids[this.c];
    const outcome = await call(real, this.c, 'join_room', args);
    if (!room.exists) {
      expect(
        outcome.kind === 'ok' && outcome.value.status === 'room_created',
        'join creates the room',
        outcome,
      );
      Object.assign(room, { exists: true, capacity: this.capacity });
      room.members.add(this.c);
      room.cursors.set(this.c, 0);
    } else if (room.members.has(this.c)) {
      expect(
        outcome.kind === 'ok' && outcome.value.status === 'joined',
        'joining again is idempotent',
        outcome,
      );
    } else if (room.members.size >= room.capacity) {
      expectCode(outcome, 'room_full', 'join of a full room');
    } else {
      const recent = room.log.slice(-20);
      const ok = outcome.kind === 'ok' && outcome.value.status === 'joined';
      expect(ok && sameEntries(outcome.value.recent_messages, recent), 'join shows the last 20', outcome);
      const notice = push(room, -1, `[System] ${model.names[this.c]} has joined the chat.`);
      room.members.add(this.c);
      room.cursors.set(this.c, notice.seq);
    }
    if (outcome.kind === 'ok' && !model.joined[this.c]) {
      real.ids[this.c] = String(outcome.value.client_id);
      model.joined[this.c] = true;
    }
  }
  toString = () => `join(P${this.c}, room${this.r}, capacity ${this.capacity})`;
}

export class Send implements Command {
  constructor(
    readonly c: number,
    readonly r: number,
    readonly text: string,
    readonly key: string | undefined,
  ) {}
  check = (model: Readonly<Model>) => model.joined[this.c] === true;
  async run(model: Model, real: Real) {
    const room = model.rooms[this.r] as RoomModel;
    const args: Record<string, unknown> = {
      room_id: real.roomIds[this.r],
      client_id: real.ids[this.c],
      message: this.text,
    };
    if (this.key !== undefined) args.idempotency_key = this.key;
    const outcome = await call(real, this.c, 'send_message', args);
    const keyed = this.key === undefined ? undefined : `${this.c}|${this.key}`;
    const earlier = keyed === undefined ? undefined : room.keys.get(keyed);
    // A retry with a key already used gets the first answer, even after the sender left (README).
    const refusal = earlier === undefined ? roomRefusal(model, this.c, this.r) : undefined;
    if (refusal) return expectCode(outcome, refusal, 'send outside the room');
    const seq = earlier ?? push(room, this.c, this.text).seq;
    if (keyed !== undefined) room.keys.set(keyed, seq);
    expect(outcome.kind === 'ok' && outcome.value.seq === seq, `send stores seq ${seq}`, outcome);
  }
  toString = () => `send(P${this.c}, room${this.r}, ${JSON.stringify(this.text)}, key ${this.key})`;
}

export class Wait implements Command {
  constructor(
    readonly c: number,
    readonly r: number,
    /** Ask again from this far back (0..1 of the log), as a client that lost an answer does. */
    readonly back: number | undefined,
  ) {}
  private after(model: Readonly<Model>): number | undefined {
    const room = model.rooms[this.r] as RoomModel;
    return this.back === undefined ? undefined : Math.floor(this.back * room.log.length);
  }
  check = (model: Readonly<Model>) => {
    if (!model.joined[this.c]) return false;
    const room = model.rooms[this.r] as RoomModel;
    if (roomRefusal(model as Model, this.c, this.r)) return true;
    // Only waits that answer at once: a parked one would hold the sequence for its timeout.
    const from = this.after(model) ?? (room.cursors.get(this.c) as number);
    return unreadOf(room, this.c, from).length > 0;
  };
  async run(model: Model, real: Real) {
    const room = model.rooms[this.r] as RoomModel;
    const after = this.after(model);
    const args: Record<string, unknown> = {
      room_id: real.roomIds[this.r],
      client_id: real.ids[this.c],
      timeout: 1,
    };
    if (after !== undefined) args.after = after;
    const outcome = await call(real, this.c, 'wait_for_message', args);
    const refusal = roomRefusal(model, this.c, this.r);
    if (refusal) return expectCode(outcome, refusal, 'wait outside the room');
    const cursor = room.cursors.get(this.c) as number;
    const want = unreadOf(room, this.c, after ?? cursor).slice(0, 50);
    expect(
      outcome.kind === 'ok' && sameEntries(outcome.value.messages, want),
      'wait hands over the unread',
      outcome,
    );
    room.cursors.set(this.c, Math.max(cursor, want.at(-1)?.seq ?? cursor));
  }
  toString = () => `wait(P${this.c}, room${this.r}${this.back === undefined ? '' : `, after ${this.back}`})`;
}

export class History implements Command {
  constructor(
    readonly c: number,
    readonly r: number,
    readonly after: number,
    readonly limit: number,
  ) {}
  check = (model: Readonly<Model>) => model.joined[this.c] === true;
  async run(model: Model, real: Real) {
    const room = model.rooms[this.r] as RoomModel;
    const args = {
      room_id: real.roomIds[this.r],
      client_id: real.ids[this.c],
      after: this.after,
      limit: this.limit,
    };
    const outcome = await call(real, this.c, 'get_messages', args);
    const refusal = roomRefusal(model, this.c, this.r);
    if (refusal) return expectCode(outcome, refusal, 'history outside the room');
    const newer = room.log.filter((entry) => entry.seq > this.after);
    const ok = outcome.kind === 'ok' && sameEntries(outcome.value.messages, newer.slice(0, this.limit));
    expect(ok && outcome.value.has_more === newer.length > this.limit, 'history pages the log', outcome);
  }
  toString = () => `history(P${this.c}, room${this.r}, after ${this.after}, limit ${this.limit})`;
}

export class Leave implements Command {
  constructor(
    readonly c: number,
    readonly r: number,
  ) {}
  check = (model: Readonly<Model>) => model.joined[this.c] === true;
  async run(model: Model, real: Real) {
    const room = model.rooms[this.r] as RoomModel;
    const outcome = await call(real, this.c, 'leave_chat', {
      room_id: real.roomIds[this.r],
      client_id: real.ids[this.c],
    });
    const refusal = roomRefusal(model, this.c, this.r);
    if (refusal) return expectCode(outcome, refusal, 'leave outside the room');
    expect(outcome.kind === 'ok' && outcome.value.success === true, 'leave succeeds', outcome);
    room.members.delete(this.c);
    room.cursors.delete(this.c);
    if (room.members.size > 0)
      push(
        room,
        -1,
        room.capacity === 2
          ? '[System] Your chat partner has left the conversation.'
          : `[System] ${model.names[this.c]} has left the chat.`,
      );
  }
  toString = () => `leave(P${this.c}, room${this.r})`;
}

export class Status implements Command {
  constructor(readonly c: number) {}
  check = (model: Readonly<Model>) => model.joined[this.c] === true;
  async run(model: Model, real: Real) {
    const outcome = await call(real, this.c, 'get_status', { client_id: real.ids[this.c] });
    const want = new Map<string, number>();
    model.rooms.forEach((room, r) => {
      if (room.members.has(this.c))
        want.set(
          real.roomIds[r] as string,
          unreadOf(room, this.c, room.cursors.get(this.c) as number).length,
        );
    });
    const rooms = (outcome.kind === 'ok' ? outcome.value.rooms : []) as { room_id: string; unread: number }[];
    const ok = rooms.length === want.size && rooms.every((room) => want.get(room.room_id) === room.unread);
    expect(
      outcome.kind === 'ok' && ok,
      `status shows rooms and unread ${JSON.stringify([...want])}`,
      outcome,
    );
  }
  toString = () => `status(P${this.c})`;
}
