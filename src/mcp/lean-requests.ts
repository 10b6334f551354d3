import { CLIENT_INFO_META_KEY, RELATED_TASK_META_KEY } from '@modelcontextprotocol/server';
import { isToolName, type ToolName } from './tools/index.js';

/**
 * Which request bodies the lean lane (lean-calls.ts) takes, in either era. Only the shapes the SDK
 * would accept as they are come here: anything it might reject or read differently stays with it,
 * so the SDK alone decides every refusal. Integer ids and progress tokens only: the SDK's
 * `RequestIdSchema` and `ProgressTokenSchema` refuse other numbers.
 */

type RequestId = string | number;

export interface LeanToolCall {
  method: 'tools/call';
  id: RequestId;
  name: ToolName;
  args: unknown;
  progressToken: RequestId | undefined;
  /** The client's name from the request's envelope (`clientInfo` in `_meta`, 2026-07-28), when it gives one. */
  clientName: string | undefined;
}

/** `ping` comes only in a 2025-era session (the 2026-07-28 era has no ping; the SDK refuses it there). */
export type LeanRequest = LeanToolCall | { method: 'tools/list' | 'ping'; id: RequestId };

type Params = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Params =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isRequestId = (value: unknown): value is RequestId =>
  typeof value === 'string' || Number.isInteger(value);

const isEmpty = (params: Params) => Object.keys(params).length === 0;

/**
 * A plain 2026-07-28 `tools/call` of one of our tools or `tools/list` (no cursor), as classified
 * 2026-07-28 by the SDK's classifier (which has checked its envelope); otherwise null.
 */
export function leanRequest(body: unknown): LeanRequest | null {
  if (!isPlainObject(body)) return null;
  const { jsonrpc, id, method, params } = body;
  if (jsonrpc !== '2.0' || !isRequestId(id)) return null;
  if (!isPlainObject(params)) return null;
  const { _meta, ...rest } = params;
  if (!isPlainObject(_meta)) return null;
  const clientName = (_meta[CLIENT_INFO_META_KEY] as { name?: unknown } | undefined)?.name;
  return toolsRequest(id, method, rest, _meta, typeof clientName === 'string' ? clientName : undefined);
}

/**
 * A plain request of a 2025-era session: `tools/call` of one of our tools, `tools/list` (no
 * cursor) or `ping`, in the strict JSON-RPC form the session transport parses (no other
 * top-level member, `params` optional); otherwise null. A task-related `_meta` entry is left to
 * the SDK, which checks its shape.
 */
export function leanSessionRequest(body: unknown): LeanRequest | null {
  if (!isPlainObject(body)) return null;
  const { jsonrpc, id, method, params = {}, ...others } = body;
  if (jsonrpc !== '2.0' || !isRequestId(id) || !isEmpty(others) || !isPlainObject(params)) return null;
  const { _meta = {}, ...rest } = params;
  if (!isPlainObject(_meta) || RELATED_TASK_META_KEY in _meta) return null;
  if (method === 'ping') return isEmpty(rest) ? { method, id } : null;
  return toolsRequest(id, method, rest, _meta, undefined);
}

function toolsRequest(
  id: RequestId,
  method: unknown,
  params: Params,
  meta: Params,
  clientName: string | undefined,
): LeanRequest | null {
  if (method === 'tools/list') return isEmpty(params) ? { method, id } : null;
  if (method !== 'tools/call') return null;
  const { name, arguments: args, ...others } = params;
  if (typeof name !== 'string' || !isToolName(name) || !isEmpty(others)) return null;
  if (args !== undefined && !isPlainObject(args)) return null;
  const { progressToken } = meta;
  if (progressToken !== undefined && !isRequestId(progressToken)) return null;
  return { method, id, name, args, progressToken, clientName };
}
