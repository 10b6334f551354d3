import { describe, it } from 'vitest';
import { answerOf, type Call, expectSameAnswers, leanAndSdkServers } from './support/lean-script.js';
import { JSON_HEADERS } from './support/raw.js';

/**
 * The lean lane (mcp/lean-calls.ts) must answer exactly as the SDK does in the 2026-07-28 era:
 * the same script of calls (support/lean-script.ts) runs against a server with the lane and one
 * without it (the SDK answers everything there), and the answers must be the same bytes.
 */

const MODERN = '2026-07-28';

function modernCaller(url: URL): Call {
  let id = 1;
  return async (method, { _meta, ...params }) => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'lean-test', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
      ...(_meta as Record<string, unknown> | undefined),
    };
    const name: Record<string, string> = typeof params.name === 'string' ? { 'mcp-name': params.name } : {};
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'mcp-method': method, 'mcp-protocol-version': MODERN, ...name },
      body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params: { ...params, _meta: meta } }),
    });
    return answerOf(response);
  };
}

describe('the lean lane answers byte for byte as the SDK does', () => {
  const servers = leanAndSdkServers();

  it('in the 2026-07-28 era, for every tool, tools/list and ping (refused)', async () => {
    await expectSameAnswers(modernCaller(servers.lean.mcpUrl), modernCaller(servers.sdk.mcpUrl));
  });
});
