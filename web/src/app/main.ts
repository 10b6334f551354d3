import { App, PostMessageTransport } from '@modelcontextprotocol/ext-apps';
import '../styles.css';
import { ConnectionError, type Json, resultObject, type ToolCaller, ToolError } from '../tool-caller.js';
import { AppRoom } from './app-room.js';

/**
 * The MCP App view (`ui://mcp-chat/room`): a host renders it for a result of join_room,
 * enter_queue, wait_for_match or wait_for_message, and it shows that room, live, through the
 * host's bridge to our tools. The person in front of the host writes as the participant whose
 * `client_id` the tool call carried.
 */
const app = new App({ name: 'mcp-chat-room', version: '1.0.0' }, {}, { autoResize: true });

const caller: ToolCaller = {
  async call(name, args) {
    let result: Parameters<typeof resultObject>[0];
    try {
      result = await app.callServerTool({ name, arguments: args });
    } catch (error) {
      throw new ConnectionError(error instanceof Error ? error.message : String(error));
    }
    return resultObject(result);
  },
};

const main = document.querySelector<HTMLElement>('#main');
const status = document.querySelector<HTMLElement>('#status');
let toolArguments: Json = {};
let room: AppRoom | undefined;

app.ontoolinput = (params) => {
  toolArguments = (params.arguments ?? {}) as Json;
};

app.ontoolresult = (result) => {
  let body: Json;
  try {
    body = resultObject(result);
  } catch (error) {
    if (status) status.textContent = error instanceof ToolError ? error.message : 'The call failed.';
    return;
  }
  // Only the first calls return a client_id; later ones carry it in their arguments.
  const clientId = stringOf(body.client_id) ?? stringOf(toolArguments.client_id);
  if (!clientId || !main) return;
  if (!room || room.clientId !== clientId) {
    room?.stop();
    room = new AppRoom({
      caller,
      clientId,
      main,
      tellModel: (text) => {
        if (!app.getHostCapabilities()?.updateModelContext) return;
        void app.updateModelContext({ content: [{ type: 'text', text }] }).catch(() => {});
      },
    });
  }
  room.show(body, stringOf(body.room_id) ?? stringOf(toolArguments.room_id));
};

app.onteardown = async () => {
  room?.stop();
  return {};
};

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

void app.connect(new PostMessageTransport(window.parent, window.parent)).catch(() => {
  if (status) status.textContent = 'This view runs inside an MCP host.';
});
