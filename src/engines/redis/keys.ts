/**
 * The slot a script runs in. Each script declares one key of it (`routingKey`): the scripts name
 * every key themselves from the prefix (lua/common.ts), all carrying the slot's hash tag, so the
 * declared key only tells Redis Cluster which primary runs the script and lets Redis 7 check that
 * nothing outside that slot is touched. Declaring every key of the slot instead sent the ten
 * control keys, about 450 bytes, with each of the three control scripts of a send.
 */
export type Slot =
  /** A room's keys, `{room id}`: the room, its log, members, people and memberships. */
  | { room: string }
  /** The control slot: participants, the queue, presence, the directory, the expiry indexes. */
  | { control: true }
  /** A participant's own hot keys, `{user id}`: its send bucket and parked waits. */
  | { user: string }
  /** A creation bucket, `{limit key}`. */
  | { creation: string };

/** The key a script of `slot` declares: one the slot's scripts use, named as lua/common.ts does. */
export function routingKey(prefix: string, slot: Slot): string {
  if ('room' in slot) return `${prefix}room:{${slot.room}}`;
  if ('control' in slot) return `${prefix}{control}:queue`;
  if ('creation' in slot) return `${prefix}creations:{${slot.creation}}`;
  return `${prefix}participant:{${slot.user}}:bucket`;
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
