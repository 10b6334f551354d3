/** What the person has been shown of one room, so a retried wait, a re-join or /history never shows a message twice. */
export class RoomLog {
  private readonly seen = new Set<string>();
  /** The oldest seq shown, where /history goes on from. */
  oldestSeq: number | undefined;

  constructor(readonly roomId: string) {}

  /** Records a message as shown; false when it already was. */
  admit(messageId: string, seq: number | undefined): boolean {
    if (this.seen.has(messageId)) return false;
    this.seen.add(messageId);
    if (seq !== undefined && (this.oldestSeq === undefined || seq < this.oldestSeq)) this.oldestSeq = seq;
    return true;
  }
}
