import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * A schema that advertises `schema`'s exact JSON Schema in `tools/list` but lets every value
 * through the SDK's own check. The SDK answers a failed check itself, with a bare text and no
 * error code; passing everything lets our handlers validate with zod and answer
 * `invalid_argument` objects instead. For output schemas it also skips the SDK's re-check of
 * our own results (the tests check them against the advertised schema through the official
 * client). The JSON Schema is converted once, because the SDK asks for it on every request.
 */
export function advertisedSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
): StandardSchemaWithJSON<unknown, unknown> {
  // MCP wants `type: "object"` at the root of every tool schema; a union of objects renders as a bare anyOf.
  const json = { type: 'object', ...z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) };
  return {
    '~standard': {
      version: 1,
      vendor: 'mcp-chat',
      validate: (value: unknown) => ({ value }),
      jsonSchema: { input: () => json, output: () => json },
    },
  };
}
