import type { IncomingMessage } from 'node:http';
import { type classifyInboundRequest, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { type LeanRequest, leanRequest, leanSessionRequest } from '../mcp/lean-requests.js';

type Route = ReturnType<typeof classifyInboundRequest>;

/** The one revision of the stateless era the SDK serves (its SUPPORTED_MODERN_PROTOCOL_VERSIONS). */
const MODERN_REVISION = '2026-07-28';

/** The SDK's rung on what the client accepts, by its strict reading (both types, anywhere in the header). */
function acceptsBoth(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && accept.includes('text/event-stream');
}

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
  if (headers['mcp-protocol-version'] !== MODERN_REVISION || !acceptsBoth(req)) return null;
  const request = leanRequest(route.message);
  if (!request || headers['mcp-method'] !== request.method) return null;
  if (request.method === 'tools/call' && headers['mcp-name'] !== request.name) return null;
  return request;
}

/**
 * Whether a POST to a 2025-era session may take the lean lane: only when the session's
 * transport (the SDK's WebStandardStreamableHTTPServerTransport, handlePostRequest) would serve
 * it, so that the SDK alone decides every refusal. Its checks for such a POST: what the client
 * accepts (both types), the content type (checked before this, mcp-endpoint.ts), the strict
 * JSON-RPC form of the body (leanSessionRequest), the session (the caller checks that this
 * instance holds it, initialized and not closing), and an `MCP-Protocol-Version` header, when
 * there is one, that the session's server supports (our servers keep the SDK's default list).
 * No DNS-rebinding or scope-challenge rung runs there: neither is configured on our transports.
 */
export function leanSessionRequestFor(req: IncomingMessage, body: unknown): LeanRequest | null {
  const version = req.headers['mcp-protocol-version'];
  if (version !== undefined && !isSupported(version)) return null;
  return acceptsBoth(req) ? leanSessionRequest(body) : null;
}

/**
 * Whether the session transport opens a POST's stream with a priming event: when the request's
 * MCP-Protocol-Version header (not the version `initialize` negotiated; without the header the
 * SDK assumes 2025-03-26) is a supported one from 2025-11-25 on, which allows an empty `data:`.
 */
export function primesPostStream(req: IncomingMessage): boolean {
  const version = req.headers['mcp-protocol-version'];
  return isSupported(version) && version >= '2025-11-25';
}

/** Node joins repeated headers of this name into one string, which no supported version equals. */
function isSupported(version: string | string[] | undefined): version is string {
  return typeof version === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}
