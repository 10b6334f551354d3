/// <reference lib="dom" />
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  AppBridge,
  getToolUiResourceUri,
  PostMessageTransport,
} from '@modelcontextprotocol/ext-apps/app-bridge';

/**
 * A minimal MCP host for the tests, built on the official host side of MCP Apps: a real MCP
 * client to the server, a tool call, and the tool's UI resource rendered in a sandboxed iframe
 * that talks to the server through an AppBridge. What the view tells the model is kept in
 * `modelContext` for the test to read.
 */
interface TestHost {
  modelContext: unknown[];
  start(): Promise<void>;
  callAndRender(name: string, args: Record<string, unknown>): Promise<unknown>;
}

let client: Client | undefined;
const host: TestHost = {
  modelContext: [],
  async start() {
    client = new Client(
      { name: 'test-host', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', location.origin)));
  },
  async callAndRender(name, args) {
    if (!client) throw new Error('start() first');
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === name);
    const uri = tool && getToolUiResourceUri(tool);
    if (!uri) throw new Error(`${name} has no UI resource`);
    const result = await client.callTool({ name, arguments: args });
    const resource = await client.readResource({ uri });
    const content = resource.contents[0];
    if (!content || !('text' in content) || content.mimeType !== 'text/html;profile=mcp-app') {
      throw new Error(`unexpected resource ${JSON.stringify(content)?.slice(0, 200)}`);
    }
    const turn = document.createElement('section');
    turn.className = 'turn';
    const title = document.createElement('h2');
    title.textContent = `Tool call: ${name}`;
    const frame = document.createElement('iframe');
    frame.title = 'MCP Chat room';
    frame.setAttribute('sandbox', 'allow-scripts');
    turn.append(title, frame);
    document.querySelector('#turns')?.append(turn);
    const view = frame.contentWindow;
    if (!view) throw new Error('no iframe window');
    const bridge = new AppBridge(
      client,
      { name: 'test-host', version: '1.0.0' },
      { serverTools: {}, serverResources: {}, updateModelContext: { text: {} } },
    );
    bridge.onupdatemodelcontext = async (params) => {
      host.modelContext.push(params);
      return {};
    };
    const initialized = new Promise<void>((resolve) => {
      bridge.oninitialized = () => resolve();
    });
    await bridge.connect(new PostMessageTransport(view, view));
    frame.srcdoc = content.text;
    await initialized;
    await bridge.sendToolInput({ arguments: args });
    await bridge.sendToolResult(result as Parameters<typeof bridge.sendToolResult>[0]);
    return result.structuredContent;
  },
};
(window as unknown as { mcpHost: TestHost }).mcpHost = host;
