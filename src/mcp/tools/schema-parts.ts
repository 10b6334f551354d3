import { z } from 'zod';
import { DISPLAY_NAME_MAX_LENGTH, ROOM_ID_PATTERN, WAIT_TIMEOUT_SECONDS } from '../../chat/index.js';

/**
 * Schema pieces several tools share. Zod checks argument types only (and `null` counts as
 * omitted, since many models send it for optional fields). The rules (formats, sizes, ranges)
 * are advertised in the JSON Schema through `meta` and enforced by the chat layer, which words
 * those errors for the caller.
 */

export const optional = <T extends z.ZodType>(schema: T, meta: Record<string, unknown>) =>
  schema
    .nullish()
    .transform((value) => value ?? undefined)
    .optional()
    .meta(meta);

export const clientId = {
  description: 'Your client_id, as returned by enter_queue or join_room. Keep it secret.',
};
export const userIdArg = (description: string) =>
  z.string().meta({ minLength: 1, maxLength: 70, description });
export const roomIdRule = { pattern: ROOM_ID_PATTERN.source, minLength: 1, maxLength: 128 };
export const roomId = z.string().meta({
  ...roomIdRule,
  description: 'The room_id returned by enter_queue, wait_for_match or join_room.',
});
export const displayName = {
  minLength: 1,
  maxLength: DISPLAY_NAME_MAX_LENGTH,
  description: `The name others see: 1-${DISPLAY_NAME_MAX_LENGTH} characters, no control characters.`,
};
export const waitTimeout = {
  minimum: WAIT_TIMEOUT_SECONDS.min,
  maximum: WAIT_TIMEOUT_SECONDS.max,
  description: `Seconds to wait before a timeout result; values outside ${WAIT_TIMEOUT_SECONDS.min}-${WAIT_TIMEOUT_SECONDS.max} are clamped. Best left out: the default is the longest wait your client keeps alive (50 s for most clients, which give up after 60 s; up to 300 s for Claude Code, which keeps waiting while the server reports progress).`,
};
export const seq = (description: string) =>
  optional(z.number(), { type: 'integer', minimum: 0, description });

/** The timeout result of a wait that a newer wait of the same participant took over. */
export const SUPERSEDED_WAIT =
  "Superseded: a newer wait of yours took this one's place (one participant holds only a few at once). That wait goes on; do not call again to replace this one, or your waits will keep ending each other.";

/** Result pieces: a member and a message, as every result and push notification shows them. */
export const memberShape = z.object({ user_id: z.string(), display_name: z.string() });

export const messageShape = z.object({
  message: z.string(),
  sender: z.string(),
  sender_id: z.string(),
  timestamp: z.string(),
  message_id: z.string(),
  seq: z.number(),
  system: z.boolean().optional(),
  disconnect: z.boolean().optional(),
  reply_to: z.number().optional(),
  reply_preview: z.object({ sender: z.string(), message: z.string() }).optional(),
  mentions: z.array(z.string()).optional(),
});
