import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { ChatEvent } from '../chat/engine.js';
import type { ChatService } from '../chat/service.js';
import type { CallOrigin } from './caller.js';
import * as shape from './results.js';
import type { ToolArgs, ToolName } from './schemas.js';

/** What a tool handler knows about the call beyond its arguments. */
export interface CallContext {
  /** Who called: the subject (with access control on) and whom limits count against. */
  origin: CallOrigin;
  /** Aborts when the client cancels the call or its connection drops. */
  signal: AbortSignal;
  /** Registers what to undo if this call's answer is never delivered. */
  onUndelivered(undo: () => Promise<void>): void;
  /** Set when push rides this call's response stream (2026-07-28 era): sends one event as a notification. */
  forward?: (event: ChatEvent) => void;
}

/** What a parked wait forwards: everything except what its own result is about to say. */
function forwardExcept(call: CallContext, redundant: (event: ChatEvent) => boolean) {
  const { forward } = call;
  return forward && ((event: ChatEvent) => (redundant(event) ? undefined : forward(event)));
}

type Json = Record<string, unknown>;

export interface ToolDefinition<N extends ToolName> {
  annotations: ToolAnnotations;
  /** The original design answered `{"success": false, ...}` for these; their errors keep that flag. */
  successFlag: boolean;
  /** Wait tools park; the protocol face keeps them alive with progress notifications. */
  parks: boolean;
  run(chat: ChatService, args: ToolArgs<N>, call: CallContext): Promise<Json>;
}

const chatTool = { readOnlyHint: false, destructiveHint: false, openWorldHint: true } as const;

/** The tools of the contract: each turns its arguments into a chat call and the answer into JSON. */
export const tools: { [N in ToolName]: ToolDefinition<N> } = {
  enter_queue: {
    annotations: { ...chatTool, idempotentHint: false },
    successFlag: false,
    parks: false,
    run: async (chat, args) =>
      shape.enterQueue(await chat.enterQueue({ displayName: args.display_name, clientId: args.client_id })),
  },
  wait_for_match: {
    annotations: { ...chatTool, readOnlyHint: true, idempotentHint: true },
    successFlag: false,
    parks: true,
    run: async (chat, args, call) =>
      shape.waitForMatch(
        await chat.waitForMatch({
          clientId: args.client_id,
          timeout: args.timeout,
          signal: call.signal,
          onEvent: forwardExcept(call, (event) => event.type === 'matched'),
        }),
      ),
  },
  join_room: {
    annotations: { ...chatTool, idempotentHint: true },
    successFlag: false,
    parks: false,
    run: async (chat, args) =>
      shape.joinRoom(
        await chat.joinRoom({
          roomId: args.room_id,
          displayName: args.display_name,
          clientId: args.client_id,
          capacity: args.capacity,
        }),
      ),
  },
  send_message: {
    annotations: { ...chatTool, idempotentHint: false },
    successFlag: true,
    parks: false,
    run: async (chat, args) =>
      shape.sent(
        await chat.sendMessage({
          roomId: args.room_id,
          message: args.message,
          clientId: args.client_id,
          idempotencyKey: args.idempotency_key,
        }),
      ),
  },
  wait_for_message: {
    annotations: { ...chatTool, idempotentHint: false },
    successFlag: false,
    parks: true,
    run: async (chat, args, call) => {
      const result = await chat.waitForMessage({
        roomId: args.room_id,
        clientId: args.client_id,
        timeout: args.timeout,
        after: args.after,
        signal: call.signal,
        onEvent: forwardExcept(call, (event) => event.type === 'message' && event.roomId === args.room_id),
      });
      if (result.status === 'messages') call.onUndelivered(result.undo);
      return shape.waitForMessage(result);
    },
  },
  get_messages: {
    annotations: { ...chatTool, readOnlyHint: true, idempotentHint: true },
    successFlag: false,
    parks: false,
    run: async (chat, args) =>
      shape.history(
        args.room_id,
        await chat.getMessages({
          roomId: args.room_id,
          clientId: args.client_id,
          limit: args.limit,
          before: args.before,
          after: args.after,
        }),
      ),
  },
  leave_chat: {
    annotations: { ...chatTool, destructiveHint: true, idempotentHint: false },
    successFlag: true,
    parks: false,
    run: async (chat, args) => {
      await chat.leaveChat({ roomId: args.room_id, clientId: args.client_id });
      return shape.left();
    },
  },
  leave_queue: {
    annotations: { ...chatTool, idempotentHint: false, openWorldHint: false },
    successFlag: true,
    parks: false,
    run: async (chat, args) => {
      await chat.leaveQueue({ clientId: args.client_id });
      return shape.leftQueue();
    },
  },
  get_status: {
    annotations: { ...chatTool, readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    successFlag: false,
    parks: false,
    run: async (chat, args) => shape.status(await chat.getStatus({ clientId: args.client_id })),
  },
};
