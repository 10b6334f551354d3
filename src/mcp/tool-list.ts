import type { Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ROOM_VIEW_TOOL_META, TOOLS_WITH_ROOM_VIEW } from './app-resource.js';
import { descriptions, titles } from './descriptions.js';
import { advertisedOutputSchema, inputSchemas, type ToolName } from './schemas.js';
import { tools } from './tools.js';

/** MCP wants `type: "object"` at the root of every tool schema; a union of objects renders as a bare anyOf. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Tool['inputSchema'] {
  return {
    type: 'object',
    ...z.toJSONSchema(schema, { io, target: 'draft-2020-12' }),
  } as Tool['inputSchema'];
}

const TOOL_NAMES = Object.keys(tools) as ToolName[];

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(tools, name);
}

/**
 * The `tools/list` answer, built once per process. Input schemas are the exact rules the chat
 * enforces (advertised, not enforced by the SDK: our handlers validate, so errors carry codes);
 * output schemas admit the result or the `{error, code}` object, because validating clients check
 * error results too.
 */
export const TOOL_LIST: Tool[] = TOOL_NAMES.map((name) => ({
  name,
  title: titles[name],
  description: descriptions[name],
  inputSchema: jsonSchema(inputSchemas[name], 'input'),
  outputSchema: jsonSchema(advertisedOutputSchema(name), 'output') as Tool['outputSchema'],
  annotations: { title: titles[name], ...tools[name].annotations },
  ...(TOOLS_WITH_ROOM_VIEW.has(name) ? { _meta: ROOM_VIEW_TOOL_META } : {}),
}));
