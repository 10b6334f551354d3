import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { sharedTestServer } from './support/server.js';

const server = sharedTestServer();

/** One call per tool that passes the input schema and fails in the chat: nobody has this client_id. */
const failingCalls: [string, Record<string, unknown>][] = [
  ['enter_queue', { client_id: 'c_unknown' }],
  ['wait_for_match', { client_id: 'c_unknown', timeout: 1 }],
  ['join_room', { room_id: 'schema-check', display_name: 'Ann', client_id: 'c_unknown' }],
  ['send_message', { room_id: 'schema-check', message: 'hi', client_id: 'c_unknown' }],
  ['wait_for_message', { room_id: 'schema-check', client_id: 'c_unknown', timeout: 1 }],
  ['get_messages', { room_id: 'schema-check', client_id: 'c_unknown' }],
  ['leave_chat', { room_id: 'schema-check', client_id: 'c_unknown' }],
  ['get_status', { client_id: 'c_unknown' }],
  ['leave_queue', { client_id: 'c_unknown' }],
  ['block_user', { client_id: 'c_unknown', user_id: 'u_someone' }],
  ['unblock_user', { client_id: 'c_unknown', user_id: 'u_someone' }],
  ['report_user', { client_id: 'c_unknown', user_id: 'u_someone', reason: 'spam' }],
  ['list_rooms', { client_id: 'c_unknown' }],
  ['search_messages', { client_id: 'c_unknown', query: 'hello' }],
  ['mark_read', { room_id: 'schema-check', client_id: 'c_unknown', seq: 1 }],
];

// Found by the MCP Inspector: clients that validate structuredContent against outputSchema do so
// for error results too, and refused every error object while the schema described only results.
describe('advertised output schemas', () => {
  it('admit error results, which the 1.x SDK validates once it has listed the tools', async () => {
    const client = new Client({ name: 'schema-check', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
    // Listing the tools is what arms the SDK's output validators.
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(failingCalls.map(([name]) => name).sort());
    for (const [name, args] of failingCalls) {
      const result = await client.callTool({ name, arguments: args });
      expect(result.isError, name).toBe(true);
      expect(result.structuredContent, name).toMatchObject({ code: 'invalid_client' });
    }
    const invalid = await client.callTool({
      name: 'get_messages',
      arguments: { room_id: 'schema-check', client_id: 'c_unknown', limit: 1000 },
    });
    expect(invalid.structuredContent).toMatchObject({ code: 'invalid_argument' });
    await client.close();
  });

  it('still admit the results themselves', async () => {
    const client = new Client({ name: 'schema-check', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
    await client.listTools();
    const joined = await client.callTool({
      name: 'join_room',
      arguments: { room_id: 'schema-results', display_name: 'Ann' },
    });
    expect(joined.structuredContent).toMatchObject({ status: 'room_created' });
    const { client_id: clientId } = joined.structuredContent as { client_id: string };
    const sent = await client.callTool({
      name: 'send_message',
      arguments: { room_id: 'schema-results', message: 'hello', client_id: clientId },
    });
    expect(sent.structuredContent).toMatchObject({ success: true, seq: 1 });
    const history = await client.callTool({
      name: 'get_messages',
      arguments: { room_id: 'schema-results', client_id: clientId },
    });
    expect(history.structuredContent).toMatchObject({ messages: [{ message: 'hello', sender: 'Ann' }] });
    const reply = await client.callTool({
      name: 'send_message',
      arguments: { room_id: 'schema-results', message: 'again @Ann', client_id: clientId, reply_to: 1 },
    });
    expect(reply.structuredContent).toMatchObject({ success: true, reply_to: 1 });
    const listed = await client.callTool({
      name: 'list_rooms',
      arguments: { client_id: clientId, query: 'schema-results', limit: 1 },
    });
    expect(listed.structuredContent).toMatchObject({ rooms: [{ room_id: 'schema-results', members: 1 }] });
    const found = await client.callTool({
      name: 'search_messages',
      arguments: { client_id: clientId, query: 'again' },
    });
    expect(found.structuredContent).toMatchObject({
      messages: [{ room_id: 'schema-results', message: 'again @Ann', reply_to: 1 }],
    });
    expect(found.isError).toBeFalsy();
    await client.close();
  });
});
