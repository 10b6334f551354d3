import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import type { Abortable, ChatEvent, ChatService } from '../../chat/index.js';
import type { CallOrigin } from '../caller.js';

/** What a tool handler knows about the call beyond its arguments. */
export interface CallContext {
  /** Who called: the subject (with access control on) and whom limits count against. */
  origin: CallOrigin;
  /** Aborts when the client cancels the call or its connection drops. */
  /** The call ends early when this aborts (an AbortSignal, or the lean lane's lighter stop). */
  signal: Abortable;
  /** Registers what to undo if this call's answer is never delivered. */
  onUndelivered(undo: () => Promise<void>): void;
  /** Set when push rides this call's response stream (2026-07-28 era): sends one event as a notification. */
  forward?: (event: ChatEvent) => void;
  /** Called once a parked wait hears the caller's events (sends a progress, when asked for). */
  listening?: () => void;
  /** A wait's length when the call names none: what this client keeps alive (see wait-defaults.ts). */
  defaultWaitSeconds?: number;
}

export type Json = Record<string, unknown>;

/**
 * One tool, whole: what `tools/list` advertises about it and what a call does. The input schema
 * checks argument types only; the chat enforces (and words) the rules the schema advertises.
 */
export interface ToolDefinition<Name extends string = string, Input extends z.ZodType = z.ZodType> {
  name: Name;
  title: string;
  /** What the model reads before it calls the tool: what it is for, which ids, what comes next. */
  description: string;
  input: Input;
  /** The result object (the advertised schema also admits the `{error, code}` object). */
  output: z.ZodType;
  annotations: ToolAnnotations;
  /** The original design answered `{"success": false, ...}` for these; their errors keep that flag. */
  successFlag: boolean;
  /** Wait tools park; the protocol face keeps them alive with progress notifications. */
  parks: boolean;
  /**
   * The call cannot change the `unread` summary of its answer (the caller's other rooms), so it is
   * read while the call runs rather than after it.
   */
  unreadAlongside?: true;
  /** Turns the checked arguments into a chat call and its answer into the contract's JSON. */
  run(chat: ChatService, args: z.output<Input>, call: CallContext): Promise<Json>;
}

/** Keeps a tool's name and argument types precise while checking it against the definition. */
export function defineTool<Name extends string, Input extends z.ZodType>(
  tool: ToolDefinition<Name, Input>,
): ToolDefinition<Name, Input> {
  return tool;
}

/** The annotations most tools share: they write chat state and reach other people. */
export const chatTool = { readOnlyHint: false, destructiveHint: false, openWorldHint: true } as const;

/** What a parked wait forwards: everything except what its own result is about to say. */
export function forwardExcept(call: CallContext, redundant: (event: ChatEvent) => boolean) {
  const { forward } = call;
  return forward && ((event: ChatEvent) => (redundant(event) ? undefined : forward(event)));
}

/** The hint every description of the talking tools repeats. */
export const CONVERSATION_LOOP =
  'The conversation loop: send_message, then wait_for_message, then repeat. ' +
  'A timeout result only means nobody spoke yet: call wait_for_message again right away.';

/** For models whose client shows channel events (Claude Code with channels on): no need to wait. */
export const CHANNEL_HINT =
  'If your client shows you channel events from mcp-chat, you may end your turn instead of waiting: each new message starts a turn of its own.';
