/**
 * The keys a script declares (KEYS), by the slot it runs in; the names match lua/common.ts. Redis
 * Cluster sends a script to the primary of its first key's slot, and refuses one whose keys hash
 * to different slots, so each list is of one hash tag.
 */
export type Slot =
  /** A room's keys, `{room id}`; with the caller's membership when a user is given. */
  | { room: string; user?: string }
  /** The control slot: participants, the queue, presence, the directory, the expiry indexes. */
  | { control: true; user?: string }
  /** A participant's own hot keys, `{user id}`: its send bucket and parked waits. */
  | { user: string }
  /** A creation bucket, `{limit key}`. */
  | { creation: string };

const CONTROL_INDEXES = [
  'queue',
  'queue:tickets',
  'queue:since',
  'matches:pending',
  'reported',
  'present',
  'directory',
  'directory:info',
  'rooms:expiring',
  'participants:expiring',
];

export function slotKeys(prefix: string, slot: Slot): string[] {
  if ('room' in slot) {
    const room = `${prefix}room:{${slot.room}}`;
    const keys = [room, `${room}:log`, `${room}:members`, `${room}:people`];
    return slot.user === undefined ? keys : [...keys, `${room}:member:${slot.user}`];
  }
  if ('control' in slot) {
    const control = `${prefix}{control}:`;
    const keys = CONTROL_INDEXES.map((name) => control + name);
    return slot.user === undefined ? keys : [...keys, `${control}participant:${slot.user}`];
  }
  if ('creation' in slot) return [`${prefix}creations:{${slot.creation}}`];
  return [`${prefix}participant:{${slot.user}}:bucket`, `${prefix}participant:{${slot.user}}:waits`];
}

/** The cluster slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key, mod 16384. */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key);
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) [start, end] = [open + 1, close];
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= (bytes[i] as number) << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
