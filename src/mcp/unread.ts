import { z } from 'zod';
import type { ChatService, UnreadNote } from '../chat/index.js';
import type { Json } from './tools/tool.js';

/**
 * `unread` on every answer: a model busy in one room sees, in whatever result it reads next,
 * that someone is talking to it elsewhere. Several clients never show push to the model; tool
 * results always reach it.
 */

export const unreadShape = z
  .array(
    z.object({
      room_id: z.string(),
      count: z.number(),
      latest: z.object({ sender: z.string(), message: z.string(), seq: z.number() }),
    }),
  )
  .optional();

/** The tool's result schema with the optional `unread` field every successful result may carry. */
export function withUnread(output: z.ZodType): z.ZodType {
  return output instanceof z.ZodObject ? output.extend({ unread: unreadShape }) : output;
}

/**
 * Adds `unread` to a successful result of a call made with a client_id: the caller's rooms other
 * than the one the result is about, when anything waits there. Best effort: the result is already
 * decided (a wait may have taken messages for it), so a failure here only leaves `unread` out.
 */
export async function addUnread(
  chat: ChatService,
  args: Record<string, unknown>,
  body: Json,
  onError: (error: unknown) => void,
): Promise<void> {
  const about = typeof args.room_id === 'string' ? args.room_id : body.room_id;
  attachUnread(body, await unreadNotes(chat, args, about, onError));
}

/**
 * The notes alone, for a call whose summary does not depend on what it does (send_message: the
 * rooms it reports are the others): read while the call runs, and attached with `attachUnread`.
 * Never rejects.
 */
export async function unreadNotes(
  chat: ChatService,
  args: Record<string, unknown>,
  about: unknown,
  onError: (error: unknown) => void,
): Promise<Json[] | undefined> {
  const clientId = args.client_id;
  if (typeof clientId !== 'string') return undefined;
  try {
    const notes = await chat.unreadFor(clientId, typeof about === 'string' ? about : undefined);
    return notes.length > 0 ? notes.map(shapeNote) : undefined;
  } catch (error) {
    onError(error);
    return undefined;
  }
}

export function attachUnread(body: Json, notes: Json[] | undefined): void {
  if (notes) body.unread = notes;
}

function shapeNote(note: UnreadNote): Json {
  return { room_id: note.roomId, count: note.count, latest: note.latest };
}
