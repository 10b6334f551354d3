import { blockUser } from './block-user.js';
import { enterQueue } from './enter-queue.js';
import { getMessages } from './get-messages.js';
import { getStatus } from './get-status.js';
import { joinRoom } from './join-room.js';
import { leaveChat } from './leave-chat.js';
import { leaveQueue } from './leave-queue.js';
import { listRooms } from './list-rooms.js';
import { markRead } from './mark-read.js';
import { reportUser } from './report-user.js';
import { searchMessages } from './search-messages.js';
import { sendMessage } from './send-message.js';
import type { ToolDefinition } from './tool.js';
import { unblockUser } from './unblock-user.js';
import { waitForMatch } from './wait-for-match.js';
import { waitForMessage } from './wait-for-message.js';

export type { CallContext, ToolDefinition } from './tool.js';

/** Every tool of the contract, in `tools/list` order. Adding a tool: its file, and one line here. */
const TOOLS = [
  enterQueue,
  waitForMatch,
  joinRoom,
  listRooms,
  sendMessage,
  waitForMessage,
  getMessages,
  searchMessages,
  markRead,
  leaveChat,
  leaveQueue,
  getStatus,
  blockUser,
  unblockUser,
  reportUser,
] as const;

export type ToolName = (typeof TOOLS)[number]['name'];

/** The tools in `tools/list` order. */
export const toolList: readonly ToolDefinition<ToolName>[] = TOOLS;

const byName = new Map<string, ToolDefinition<ToolName>>(TOOLS.map((tool) => [tool.name, tool]));

export function isToolName(name: string): name is ToolName {
  return byName.has(name);
}

export function toolNamed(name: ToolName): ToolDefinition<ToolName> {
  return byName.get(name) as ToolDefinition<ToolName>;
}
