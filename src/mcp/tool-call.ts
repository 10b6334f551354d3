import type { z } from 'zod';
import { ChatError, type ChatService } from '../chat/index.js';
import { errorResult, failureResult, toolResult } from './results.js';
import { type CallContext, type ToolName, toolNamed } from './tools/index.js';
import { addUnread, attachUnread, unreadNotes } from './unread.js';

/** What every tool call needs, whichever way it arrived. */
export interface ToolCallDeps {
  chat: ChatService;
  logger: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Told of every answered call: `ok` or the error code (for metrics). */
  onToolCall?: (tool: ToolName, outcome: string) => void;
}

/**
 * One tool call from raw arguments to a result: type check, chat call, result shaping, and
 * refusals as `{error, code}` results (never a thrown error, so the SDK never answers for us).
 * `onSuccess` sees the arguments and the result object before the answer goes out.
 */
export async function runTool(
  name: ToolName,
  rawArgs: unknown,
  deps: ToolCallDeps,
  call: CallContext,
  onSuccess?: (args: Record<string, unknown>, body: Record<string, unknown>) => Promise<void> | undefined,
) {
  const tool = toolNamed(name);
  const parsed = tool.input.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    deps.onToolCall?.(name, 'invalid_argument');
    return errorResult('invalid_argument', describeIssues(name, parsed.error), tool.successFlag);
  }
  const args = parsed.data as Record<string, unknown>;
  const unreadLeftOut = (error: unknown) =>
    deps.logger.warn({ err: error, tool: name }, 'unread summary left out');
  // Read beside the call when the call cannot change it: on Redis, one round trip fewer.
  const alongside = tool.unreadAlongside
    ? unreadNotes(deps.chat, args, args.room_id, unreadLeftOut)
    : undefined;
  try {
    const body = await tool.run(deps.chat, parsed.data, call);
    if (alongside) attachUnread(body, await alongside);
    else await addUnread(deps.chat, args, body, unreadLeftOut);
    await onSuccess?.(args, body);
    deps.onToolCall?.(name, 'ok');
    return toolResult(body);
  } catch (failure) {
    deps.onToolCall?.(name, failure instanceof ChatError ? failure.code : 'internal_error');
    if (!(failure instanceof ChatError)) deps.logger.error({ err: failure, tool: name }, 'tool call failed');
    else if (failure.code === 'unavailable') {
      deps.logger.warn({ tool: name, reason: failure.message }, 'storage unavailable');
    }
    return failureResult(failure, tool.successFlag);
  }
}

/** The progress of one parked wait: `tick` sends one at once, `stop` ends the periodic ones. */
export interface WaitProgress {
  tick(): void;
  stop(): void;
}

/**
 * Progress keeps a parked wait alive in clients whose timeouts reset on progress (Claude Code,
 * the SDK client with `resetTimeoutOnProgress`). Sent only when the request asked for it: every
 * `intervalMs`, and once as soon as the wait listens (`tick`), so a client knows from when on
 * push reaches it and can read the state it may have missed before (the web page's unread).
 */
export function reportProgress(
  progressToken: string | number | undefined,
  intervalMs: number,
  send: (notification: { method: 'notifications/progress'; params: Record<string, unknown> }) => void,
): WaitProgress | undefined {
  if (progressToken === undefined) return undefined;
  let progress = 0;
  const tick = () => {
    progress++;
    send({
      method: 'notifications/progress',
      params: {
        progressToken,
        progress,
        message: 'Still waiting; the call returns as soon as something arrives.',
      },
    });
  };
  const timer = setInterval(tick, intervalMs);
  return { tick, stop: () => clearInterval(timer) };
}

function describeIssues(tool: ToolName, error: z.ZodError): string {
  const issues = error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'arguments';
    return `${where}: ${issue.message}`;
  });
  return `Invalid arguments for ${tool}: ${issues.join('; ')}. See the tool's input schema.`;
}
