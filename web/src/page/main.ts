import '../styles.css';
import { ChatPage } from './chat-page.js';
import { McpConnection } from './connection.js';
import { Identity } from './identity.js';
import { SignIn } from './sign-in.js';

/** `/r/ROOM_ID?name=…&invite=…`: a link straight into a room. */
function roomLink(): { roomId: string; name?: string; invite?: string } | undefined {
  const match = /^\/r\/([^/]+)\/?$/.exec(location.pathname);
  if (!match?.[1]) return undefined;
  const query = new URLSearchParams(location.search);
  return {
    roomId: decodeURIComponent(match[1]),
    name: query.get('name')?.trim() || undefined,
    invite: query.get('invite') || undefined,
  };
}

function required<T extends HTMLElement>(selector: string): T {
  const node = document.querySelector<T>(selector);
  if (!node) throw new Error(`The page is missing ${selector}.`);
  return node;
}

const identity = new Identity();
let page: ChatPage | undefined;
const connection = new McpConnection(
  new URL('/mcp', location.origin),
  (push) => page?.onPush(push),
  identity.token,
);
page = new ChatPage({
  connection,
  identity,
  signIn: new SignIn(required('#dialogs')),
  roomList: required('#rooms'),
  main: required('#main'),
  status: required('#status'),
});
const status = required('#status');
// Back from the authorization server's login page (MCP_CHAT_AUTH=oauth): take the tokens first.
void connection
  .finishSignIn()
  .catch((error: unknown) => {
    status.textContent = `Sign-in failed: ${error instanceof Error ? error.message : String(error)}`;
  })
  .then(() => page?.start(roomLink()));
