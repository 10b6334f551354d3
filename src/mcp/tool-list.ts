import type { Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ROOM_VIEW_TOOL_META, TOOLS_WITH_ROOM_VIEW } from './app-resource.js';
import { errorShape } from './results.js';
import { toolList } from './tools/index.js';
import { withUnread } from './unread.js';

/** MCP wants `type: "object"` at the root of every tool schema; a union of objects renders as a bare anyOf. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Tool['inputSchema'] {
  return {
    type: 'object',
    ...z.toJSONSchema(schema, { io, target: 'draft-2020-12' }),
  } as Tool['inputSchema'];
}

/**
 * The `tools/list` answer, built once per process. Input schemas are the exact rules the chat
 * enforces (advertised, not enforced by the SDK: our handlers validate, so errors carry codes).
 * Output schemas admit the result or the `{error, code}` object: clients that validate
 * `structuredContent` check error results too (the 1.x SDK once it has listed the tools, the MCP
 * Inspector), and rejected every error of ours while the schema admitted only the result.
 */
export const TOOL_LIST: Tool[] = toolList.map((tool) => ({
  name: tool.name,
  title: tool.title,
  description: tool.description,
  inputSchema: jsonSchema(tool.input, 'input'),
  outputSchema: jsonSchema(z.union([withUnread(tool.output), errorShape]), 'output') as Tool['outputSchema'],
  annotations: { title: tool.title, ...tool.annotations },
  ...(TOOLS_WITH_ROOM_VIEW.has(tool.name) ? { _meta: ROOM_VIEW_TOOL_META } : {}),
}));
