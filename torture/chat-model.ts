/**
 * A model of the chat as the README states its rules (named rooms, logs with gapless seqs,
 * cursors, own messages never returned, join and leave notices, idempotency keys, refusals with
 * codes), and the tool calls that fast-check sequences against it. Each command calls the real
 * server and checks the answer against the model; a mismatch throws, and fast-check shrinks the
 * sequence to the shortest that still fails.
 */
import fc from 'fast-check';
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

function expectCode(outcome: Outcome, code: string, what: string): void {
  expect(outcome.kind === 'refused' && outcome.code === code, `${what}: expected ${code}`, outcome);
}

async function call(real: Real, c: number, name: string, args: Record<string, unknown>): Promise<Outcome> {
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

type Command = fc.AsyncCommand<Model, Real, false>;

class Join implements Command {
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

class Send implements Command {
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
    const refusal = roomRefusal(model, this.c, this.r);
    if (refusal) return expectCode(outcome, refusal, 'send outside the room');
    const keyed = this.key === undefined ? undefined : `${this.c}|${this.key}`;
    const earlier = keyed === undefined ? undefined : room.keys.get(keyed);
    const seq = earlier ?? push(room, this.c, this.text).seq;
    if (keyed !== undefined) room.keys.set(keyed, seq);
    expect(outcome.kind === 'ok' && outcome.value.seq === seq, `send stores seq ${seq}`, outcome);
  }
  toString = () => `send(P${this.c}, room${this.r}, ${JSON.stringify(this.text)}, key ${this.key})`;
}

class Wait implements Command {
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

class History implements Command {
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

class Leave implements Command {
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

class Status implements Command {
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

/** Calls that must be refused with a code and change nothing. */
const BAD_CALLS: [string, (real: Real, c: number) => [string, Record<string, unknown>], string][] = [
  [
    'unknown client',
    (real) => ['send_message', { room_id: real.roomIds[0], client_id: `c_${'x'.repeat(32)}`, message: 'x' }],
    'invalid_client',
  ],
  [
    'bad room id',
    (real, c) => ['send_message', { room_id: 'no such/room', client_id: real.ids[c], message: 'x' }],
    'invalid_argument',
  ],
  [
    'empty message',
    (real, c) => ['send_message', { room_id: real.roomIds[0], client_id: real.ids[c], message: '' }],
    'invalid_argument',
  ],
  [
    'number as message',
    (real, c) => ['send_message', { room_id: real.roomIds[0], client_id: real.ids[c], message: 5 }],
    'invalid_argument',
  ],
  [
    'unknown argument',
    (real, c) => ['get_status', { client_id: real.ids[c], clientid: real.ids[c] }],
    'invalid_argument',
  ],
  [
    'limit out of range',
    (real, c) => ['get_messages', { room_id: real.roomIds[0], client_id: real.ids[c], limit: 0 }],
    'invalid_argument',
  ],
  [
    'negative after',
    (real, c) => ['wait_for_message', { room_id: real.roomIds[0], client_id: real.ids[c], after: -1 }],
    'invalid_argument',
  ],
  [
    'capacity too large',
    (_real, c) => ['join_room', { room_id: `cap-${c}`, display_name: 'X', capacity: 10_000 }],
    'invalid_argument',
  ],
  [
    'control character in name',
    () => ['join_room', { room_id: 'ctl', display_name: 'a\u0007b' }],
    'invalid_argument',
  ],
];

class Bad implements Command {
  constructor(
    readonly c: number,
    readonly which: number,
  ) {}
  check = (model: Readonly<Model>) => model.joined[this.c] === true;
  async run(_model: Model, real: Real) {
    const [what, build, code] = BAD_CALLS[this.which] as (typeof BAD_CALLS)[number];
    const [name, args] = build(real, this.c);
    expectCode(await call(real, this.c, name, args), code, what);
  }
  toString = () => `bad(P${this.c}, ${BAD_CALLS[this.which]?.[0]})`;
}

const client = fc.integer({ min: 0, max: CLIENTS - 1 });
const room = fc.integer({ min: 0, max: ROOMS - 1 });
const edgeUnits = fc.constantFrom(
  '\u0000',
  '\u200b',
  '\ufeff',
  'e\u0301',
  '\u{1f600}',
  '\u202e',
  '"',
  '\\',
  '\n',
  ' ',
);
const text = fc.string({
  unit: fc.oneof(fc.constant('a'), edgeUnits, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })),
  minLength: 1,
  maxLength: 12,
});

const join = fc.tuple(client, room, fc.constantFrom(2, 3)).map(([c, r, cap]) => new Join(c, r, cap));

export const commands = fc.commands(
  [
    // Joins three times as often: nothing else happens before one.
    join,
    join,
    join,
    fc
      .tuple(client, room, text, fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }))
      .map(([c, r, t, k]) => new Send(c, r, t, k)),
    fc
      .tuple(client, room, fc.option(fc.double({ min: 0, max: 0.99, noNaN: true }), { nil: undefined }))
      .map(([c, r, b]) => new Wait(c, r, b)),
    fc
      .tuple(client, room, fc.nat(6), fc.integer({ min: 1, max: 4 }))
      .map(([c, r, a, l]) => new History(c, r, a, l)),
    fc.tuple(client, room).map(([c, r]) => new Leave(c, r)),
    client.map((c) => new Status(c)),
    fc.tuple(client, fc.nat(BAD_CALLS.length - 1)).map(([c, w]) => new Bad(c, w)),
  ],
  { maxCommands: 40, size: 'medium' },
);
