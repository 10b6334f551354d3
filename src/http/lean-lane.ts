import type { IncomingMessage } from 'node:http';
import type { classifyInboundRequest } from '@modelcontextprotocol/server';
import { type LeanRequest, leanRequest } from '../mcp/lean-calls.js';

type Route = ReturnType<typeof classifyInboundRequest>;

/** The one revision of the stateless era the SDK serves (its SUPPORTED_MODERN_PROTOCOL_VERSIONS). */
const MODERN_REVISION = '2026-07-28';

/**
 * Whether a request the SDK's classifier routed to the 2026-07-28 era may take the lean lane:
 * only when it would pass every rung the SDK's entry checks after classification, so that the
 * SDK alone decides every refusal. Those rungs (the supported-revision gate, the standard
 * `MCP-Protocol-Version` / `Mcp-Method` / `Mcp-Name` headers, what the client must accept) are
 * checked here by the strict reading: a request that passes is one the SDK would serve, and
 * anything else (an `Mcp-Name` in its base64 form, an Accept header without both types) is left
 * to the SDK, which answers or refuses it. Client-capability and `Mcp-Param-*` rungs have nothing
 * to check for these methods (no capability requirement; our tools declare no `x-mcp-header`).
 */
export function leanRequestFor(req: IncomingMessage, route: Route): LeanRequest | null {
  if (route.kind !== 'modern' || route.messageKind !== 'request') return null;
  if (route.classification.revision !== MODERN_REVISION) return null;
  const { headers } = req;
  if (headers['mcp-protocol-version'] !== MODERN_REVISION) return null;
  const accept = headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return null;
  const request = leanRequest(route.message);
  if (!request || headers['mcp-method'] !== request.method) return null;
  if (request.method === 'tools/call' && headers['mcp-name'] !== request.name) return null;
  return request;
}
