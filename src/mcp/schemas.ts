import { z } from 'zod';
import { ERROR_CODES } from '../chat/errors.js';
import {
  DISPLAY_NAME_MAX_LENGTH,
  HISTORY_LIMIT,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  MIN_ROOM_CAPACITY,
  ROOM_ID_PATTERN,
  WAIT_TIMEOUT_SECONDS,
} from '../chat/rules.js';

/**
 * Argument and result shapes of the tools, as advertised in `tools/list`. Zod checks argument
 * types only (and `null` counts as omitted, since many models send it for optional fields). The
 * rules (formats, sizes, ranges) are advertised in the JSON Schema through `meta` and enforced by
 * the chat layer, which words those errors for the caller.
 */

const optional = <T extends z.ZodType>(schema: T, meta: Record<string, unknown>) =>
  schema
    .nullish()
    .transform((value) => value ?? undefined)
    .optional()
    .meta(meta);

const clientId = { description: 'Your client_id, as returned by enter_queue or join_room. Keep it secret.' };
const roomIdRule = { pattern: ROOM_ID_PATTERN.source, minLength: 1, maxLength: 128 };
const roomId = z.string().meta({
  ...roomIdRule,
  description: 'The room_id returned by enter_queue, wait_for_match or join_room.',
});
const displayName = {
  minLength: 1,
  maxLength: DISPLAY_NAME_MAX_LENGTH,
  description: `The name others see: 1-${DISPLAY_NAME_MAX_LENGTH} characters, no control characters.`,
};
const waitTimeout = {
  minimum: WAIT_TIMEOUT_SECONDS.min,
  maximum: WAIT_TIMEOUT_SECONDS.max,
  description: `Seconds to wait before a timeout result (default ${WAIT_TIMEOUT_SECONDS.default}; values outside ${WAIT_TIMEOUT_SECONDS.min}-${WAIT_TIMEOUT_SECONDS.max} are clamped). Use 50 or less if your client gives up on calls after 60 seconds.`,
};
const seq = (description: string) => optional(z.number(), { type: 'integer', minimum: 0, description });

export const inputSchemas = {
  enter_queue: z.strictObject({
    display_name: optional(z.string(), displayName),
    client_id: optional(z.string(), {
      description: 'Your client_id, to queue again with the same identity (for example after a chat ended).',
    }),
  }),
  wait_for_match: z.strictObject({
    client_id: z.string().meta(clientId),
    timeout: optional(z.number(), waitTimeout),
  }),
  join_room: z.strictObject({
    room_id: z.string().meta({
      ...roomIdRule,
      description:
        'Name of the room to create or join: letters, digits, ".", "_" or "-", up to 128 characters.',
    }),
    display_name: z.string().meta(displayName),
    client_id: optional(z.string(), { description: 'Your client_id, to keep the same identity.' }),
    capacity: optional(z.number(), {
      type: 'integer',
      minimum: MIN_ROOM_CAPACITY,
      description: 'How many people the room holds, when this call creates it (default 2).',
    }),
  }),
  send_message: z.strictObject({
    room_id: roomId,
    message: z.string().meta({ minLength: 1, description: 'The text to send.' }),
    client_id: z.string().meta(clientId),
    idempotency_key: optional(z.string(), {
      minLength: 1,
      maxLength: IDEMPOTENCY_KEY_MAX_LENGTH,
      description:
        'Any unique string. Sending again with the same key stores nothing new and returns the first result.',
    }),
  }),
  wait_for_message: z.strictObject({
    room_id: roomId,
    client_id: z.string().meta(clientId),
    timeout: optional(z.number(), waitTimeout),
    after: seq('Only to recover a lost response: return messages with seq greater than this, read or not.'),
  }),
  get_messages: z.strictObject({
    room_id: roomId,
    client_id: z.string().meta(clientId),
    limit: optional(z.number(), {
      type: 'integer',
      minimum: HISTORY_LIMIT.min,
      maximum: HISTORY_LIMIT.max,
      description: `How many messages (default ${HISTORY_LIMIT.default}).`,
    }),
    before: seq('Return messages with seq lower than this (page backwards).'),
    after: seq('Return messages with seq greater than this (page forwards).'),
  }),
  leave_chat: z.strictObject({
    room_id: roomId,
    client_id: z.string().meta(clientId),
  }),
  get_status: z.strictObject({
    client_id: z.string().meta(clientId),
  }),
  leave_queue: z.strictObject({
    client_id: z.string().meta(clientId),
  }),
} as const;

export type ToolName = keyof typeof inputSchemas;
export type ToolArgs<N extends ToolName> = z.output<(typeof inputSchemas)[N]>;

const member = z.object({ user_id: z.string(), display_name: z.string() });

export const messageShape = z.object({
  message: z.string(),
  sender: z.string(),
  sender_id: z.string(),
  timestamp: z.string(),
  message_id: z.string(),
  seq: z.number(),
  system: z.boolean().optional(),
  disconnect: z.boolean().optional(),
});

/**
 * Result shapes. One object schema per tool, every variant's fields optional where variants
 * differ, because MCP requires an object at the root of an output schema.
 */
export const outputSchemas = {
  enter_queue: z.object({
    status: z.enum(['matched', 'waiting', 'already_waiting', 'already_in_chat']),
    client_id: z.string(),
    user_id: z.string(),
    display_name: z.string(),
    room_id: z.string().optional(),
    partner: member.optional(),
    position: z.number().optional(),
    queue_length: z.number().optional(),
    message: z.string(),
  }),
  wait_for_match: z.object({
    status: z.enum(['matched', 'waiting']),
    room_id: z.string().optional(),
    partner: member.optional(),
    timeout: z.boolean().optional(),
    position: z.number().optional(),
    queue_length: z.number().optional(),
    message: z.string(),
  }),
  join_room: z.object({
    status: z.enum(['room_created', 'joined']),
    room_id: z.string(),
    client_id: z.string(),
    user_id: z.string(),
    capacity: z.number(),
    partner: member.nullable().optional(),
    members: z.array(member),
    recent_messages: z.array(messageShape).optional(),
    message: z.string(),
  }),
  send_message: z.object({
    success: z.literal(true),
    message_id: z.string(),
    seq: z.number(),
    timestamp: z.string(),
  }),
  wait_for_message: messageShape.partial().extend({
    message: z.string(),
    messages: z.array(messageShape).optional(),
    timeout: z.boolean().optional(),
    restarting: z.boolean().optional(),
  }),
  get_messages: z.object({
    room_id: z.string(),
    messages: z.array(messageShape),
    has_more: z.boolean(),
    latest_seq: z.number(),
  }),
  leave_chat: z.object({
    success: z.literal(true),
    message: z.string(),
  }),
  get_status: z.object({
    user_id: z.string(),
    display_name: z.string(),
    state: z.enum(['idle', 'waiting', 'in_room']),
    position: z.number().optional(),
    rooms: z.array(z.object({ room_id: z.string(), unread: z.number(), members: z.array(member) })),
  }),
  leave_queue: z.object({
    success: z.literal(true),
    message: z.string(),
  }),
} satisfies Record<ToolName, z.ZodType>;

/** What a failed call carries in `structuredContent`. */
export const errorShape = z.object({
  error: z.string(),
  code: z.enum(ERROR_CODES),
  success: z.literal(false).optional(),
});

/**
 * The advertised `outputSchema` of a tool: its result or the error object. Clients that validate
 * `structuredContent` check error results too (the 1.x SDK once it has listed the tools, the MCP
 * Inspector), and rejected every error of ours while the schema admitted only the result.
 */
export function advertisedOutputSchema(name: ToolName): z.ZodType {
  return z.union([outputSchemas[name], errorShape]);
}
