import { readFileSync } from 'node:fs';
import {
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  type Server,
} from '@modelcontextprotocol/server';
import { MCP_APP_HTML } from '../web-assets.js';

/** The MCP App view of a room (the MCP Apps extension): hosts render it for our chat tools' results. */
export const ROOM_APP_URI = 'ui://mcp-chat/room';
const MCP_APP_MIME_TYPE = 'text/html;profile=mcp-app';

/** The tools whose results are about one room (or the way into one), so a host can show it. */
export const TOOLS_WITH_ROOM_VIEW: ReadonlySet<string> = new Set([
  'join_room',
  'enter_queue',
  'wait_for_match',
  'wait_for_message',
]);

/** What such a tool carries in `tools/list`, pointing hosts at the view. */
export const ROOM_VIEW_TOOL_META = { ui: { resourceUri: ROOM_APP_URI } } as const;

const RESOURCE = {
  uri: ROOM_APP_URI,
  name: 'room',
  title: 'MCP Chat room',
  description:
    'The chat room of a join_room, enter_queue, wait_for_match or wait_for_message result, live; the person in front of the host can write into it.',
  mimeType: MCP_APP_MIME_TYPE,
};

let html: string | undefined;

/** The view's single HTML file, read once; `npm run build` makes it. */
function viewHtml(): string {
  try {
    html ??= readFileSync(MCP_APP_HTML, 'utf8');
    return html;
  } catch {
    throw new ProtocolError(
      ProtocolErrorCode.InternalError,
      'The MCP App view has not been built: run npm run build.',
    );
  }
}

/**
 * `resources/list` and `resources/read` for the one resource we have. The view needs no network
 * of its own (it calls our tools through the host), so it asks for no CSP domains.
 */
export function registerRoomView(server: Server): void {
  server.setRequestHandler('resources/list', () => ({ resources: [RESOURCE] }));
  server.setRequestHandler('resources/read', (request) => {
    if (request.params.uri !== ROOM_APP_URI) throw new ResourceNotFoundError(request.params.uri);
    return {
      contents: [
        {
          uri: ROOM_APP_URI,
          mimeType: MCP_APP_MIME_TYPE,
          text: viewHtml(),
          _meta: { ui: { prefersBorder: true } },
        },
      ],
    };
  });
}
