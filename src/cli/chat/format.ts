import type { ChatLine, SessionState } from './session.js';

/** Words and shapes shared by both front ends: times, the status sentence, safe text. */

export function clock(time: Date): string {
  return [time.getHours(), time.getMinutes(), time.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

// Anything a partner sends reaches our terminal: escape sequences in it could move the cursor,
// recolour the screen or retitle the window, so every control character but the newline goes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/** Text from the network, made safe to print: tabs become spaces, other control characters vanish. */
export function sanitize(text: string): string {
  return text.replace(/\t/g, '    ').replace(/\r\n?/g, '\n').replace(CONTROLS, '');
}

/** For line mode, one message one line: newlines inside a message are written as `\n`. */
function oneLine(text: string): string {
  return sanitize(text).replace(/\n/g, '\\n');
}

/** The start of a quoted message: enough to recognise it on one line. */
export function preview(text: string, length = 40): string {
  const chars = [...text];
  return chars.length > length ? `${chars.slice(0, length).join('')}…` : text;
}

export type Tone = 'good' | 'waiting' | 'bad';

/** The status line: where the person is, or what the connection is doing. */
export function status(state: SessionState): { text: string; tone: Tone } {
  switch (state.connection) {
    case 'connecting':
      return state.problem
        ? { text: `no connection to ${state.url} (${state.problem}); retrying…`, tone: 'bad' }
        : { text: `connecting to ${state.url}…`, tone: 'waiting' };
    case 'reconnecting':
      return { text: `connection lost (${state.problem ?? 'no answer'}); reconnecting…`, tone: 'bad' };
    case 'closed':
      return { text: 'disconnected', tone: 'bad' };
    case 'online':
      break;
  }
  const place = state.place;
  switch (place.kind) {
    case 'starting':
      return { text: 'connected; finding your chat…', tone: 'waiting' };
    case 'idle':
      return { text: 'not in a chat: /enter to meet someone, /join ROOM for a room', tone: 'waiting' };
    case 'queued':
      return {
        text:
          place.position > 0
            ? `waiting in queue at position ${place.position} of ${place.queueLength}`
            : 'waiting in queue',
        tone: 'waiting',
      };
    case 'room': {
      if (place.ended)
        return { text: 'partner left; the chat has ended: /next to meet someone new', tone: 'bad' };
      if (place.partnerLeft)
        return { text: `partner left; you are alone in room ${place.roomId}`, tone: 'bad' };
      const others = place.members.filter((m) => m.userId !== state.userId).map((m) => m.displayName);
      if (others.length === 0)
        return { text: `in room ${place.roomId}, waiting for someone to join`, tone: 'waiting' };
      return { text: `in room ${place.roomId} with ${others.map(sanitize).join(', ')}`, tone: 'good' };
    }
  }
}

/** Line mode: `[12:03:04] Bob: hello`, `[12:03:05] * Bob has left the chat.`, `-- notice`, `error: ...`. */
export function plainLine(line: ChatLine): string {
  switch (line.kind) {
    case 'message': {
      const seq = line.seq === undefined ? '' : ` #${line.seq}`;
      const reply = line.reply
        ? ` (re #${line.reply.seq} ${oneLine(line.reply.sender)}: "${oneLine(preview(line.reply.text))}")`
        : '';
      const mention = line.mentionsMe ? ' (mentions you)' : '';
      return `[${clock(line.time)}]${seq} ${oneLine(line.sender)}${reply}${mention}: ${oneLine(line.text)}`;
    }
    case 'system':
      return `[${clock(line.time)}] * ${oneLine(line.text)}`;
    case 'notice':
      return `-- ${oneLine(line.text)}`;
    case 'error':
      return `error: ${oneLine(line.text)}`;
  }
}
