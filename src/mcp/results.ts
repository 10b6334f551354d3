import type { CallToolResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ChatError, ERROR_CODES, type ErrorCode } from '../chat/index.js';

/** The envelope of every tool result, success or refusal. */

type Json = Record<string, unknown>;

/** Every result carries its object twice: as structuredContent and as one text block of the same JSON. */
export function toolResult(body: Json, isError = false): CallToolResult {
  const result: CallToolResult = {
    content: [{ type: 'text', text: JSON.stringify(body) }],
    structuredContent: body,
  };
  if (isError) result.isError = true;
  return result;
}

export function errorResult(code: ErrorCode, error: string, withSuccessFlag: boolean): CallToolResult {
  const body: Json = withSuccessFlag ? { success: false, error, code } : { error, code };
  return toolResult(body, true);
}

/** Refusals keep their code; anything else is a fault of ours, reported without internals (they go to the log). */
export function failureResult(failure: unknown, withSuccessFlag: boolean): CallToolResult {
  if (failure instanceof ChatError) return errorResult(failure.code, failure.message, withSuccessFlag);
  return errorResult(
    'internal_error',
    'The server hit an unexpected error and logged it. Try again; if it keeps happening, tell the operator.',
    withSuccessFlag,
  );
}

/** What a failed call carries in `structuredContent`. */
export const errorShape = z.object({
  error: z.string(),
  code: z.enum(ERROR_CODES),
  success: z.literal(false).optional(),
});
