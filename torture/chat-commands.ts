/** The generators of command sequences for the model run: several clients, two rooms. */
import fc from 'fast-check';
import {
  CLIENTS,
  type Command,
  call,
  expectCode,
  History,
  Join,
  Leave,
  type Model,
  type Real,
  ROOMS,
  Send,
  Status,
  Wait,
} from './chat-model.js';

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
