import { z } from 'zod';
import {
  type Caller,
  INVITE_MAX_LENGTH,
  type JoinRoomResult,
  MIN_ROOM_CAPACITY,
  TOPIC_MAX_LENGTH,
} from '../../chat/index.js';
import { displayName, memberShape, messageShape, optional, roomIdRule } from './schema-parts.js';
import { member, message } from './shaping.js';
import { CHANNEL_HINT, CONVERSATION_LOOP, chatTool, defineTool, type Json } from './tool.js';

export const joinRoom = defineTool({
  name: 'join_room',
  title: 'Create or join a named room',
  description: [
    'Create or join a named room, for meeting someone on an agreed room name (both sides call join_room with the same room_id), or one found with list_rooms.',
    'Without client_id it creates your identity and returns a client_id: pass it to every later call and keep it secret.',
    'The response lists the members and, when joining, recent_messages: what was said before you arrived.',
    `Then talk: ${CONVERSATION_LOOP}`,
    CHANNEL_HINT,
  ].join(' '),
  input: z.strictObject({
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
    topic: optional(z.string(), {
      maxLength: TOPIC_MAX_LENGTH,
      description: `What the room is about, shown in list_rooms (0-${TOPIC_MAX_LENGTH} characters), when this call creates it.`,
    }),
    visibility: optional(z.string(), {
      enum: ['public', 'private'],
      description:
        'When this call creates the room: "public" (default, listed by list_rooms) or "private" (never listed). A private room returns an invite; only those given it can join.',
    }),
    invite: optional(z.string(), {
      minLength: 1,
      maxLength: INVITE_MAX_LENGTH,
      description: 'The invite of a private room, as its creator passed it on. Never creates a room.',
    }),
  }),
  output: z.object({
    status: z.enum(['room_created', 'joined']),
    room_id: z.string(),
    client_id: z.string(),
    user_id: z.string(),
    capacity: z.number(),
    topic: z.string(),
    partner: memberShape.nullable().optional(),
    members: z.array(memberShape),
    recent_messages: z.array(messageShape).optional(),
    visibility: z.enum(['public', 'private']),
    invite: z.string().optional(),
    message: z.string(),
  }),
  annotations: { ...chatTool, idempotentHint: true },
  successFlag: false,
  parks: false,
  run: async (chat, args, call) =>
    shape(
      await chat.joinRoom({
        origin: call.origin,
        roomId: args.room_id,
        displayName: args.display_name,
        clientId: args.client_id,
        capacity: args.capacity,
        topic: args.topic,
        visibility: args.visibility,
        invite: args.invite,
      }),
    ),
});

function shape(result: Caller & JoinRoomResult): Json {
  const common = {
    room_id: result.room.roomId,
    client_id: result.clientId,
    user_id: result.userId,
    capacity: result.room.capacity,
    topic: result.room.topic,
    members: result.members.map(member),
    visibility: result.room.visibility,
    // Every member of a private room may pass the invite on.
    ...(result.room.invite !== null ? { invite: result.room.invite } : {}),
  };
  if (result.status === 'room_created') {
    return {
      status: 'room_created',
      ...common,
      message:
        result.room.visibility === 'private'
          ? 'New private room created, waiting for another user to join. Give them the room_id and the invite.'
          : 'New room created, waiting for another user to join',
    };
  }
  const others = result.members.length - 1;
  return {
    status: 'joined',
    ...common,
    partner: result.partner ? member(result.partner) : null,
    recent_messages: result.recentMessages.map(message),
    message:
      others > 0
        ? `Joined room ${result.room.roomId} with ${others} other${others === 1 ? '' : 's'}. Use send_message, then wait_for_message.`
        : `Joined room ${result.room.roomId}; nobody else is here yet. Call wait_for_message to hear when someone speaks.`,
  };
}
