import { randomUUID } from 'node:crypto';
import { callRaw, callTool, type HttpClient } from './rpc.js';

/** MCP Chat on SQLite (`mcp-chat`) and on Redis (`mcp-chat-redis`), and the two baselines. */
export type TargetName = 'mcp-chat' | 'mcp-chat-redis' | 'sdk' | 'raw';

/** One sender and one receiver in a room of their own. */
export interface Channel {
  send(text: string): Promise<void>;
  /** Resolves with how many messages arrived (0 on timeout). `sender` parks the other member. */
  wait(timeoutSeconds: number, signal?: AbortSignal, who?: 'receiver' | 'sender'): Promise<number>;
}

/** The three servers of a run, driven through the same operations. */
export interface Target {
  name: TargetName;
  /** The cheapest call the server has (the framework floor); MCP Chat has no no-op tool. */
  noop?(): Promise<void>;
  openChannel(): Promise<Channel>;
  /** MCP Chat only: one enter_queue by a new participant; true when it made a match. */
  enterQueue?(): Promise<boolean>;
}

export function target(name: TargetName, http: HttpClient): Target {
  switch (name) {
    case 'mcp-chat':
    case 'mcp-chat-redis':
      return chatTarget(name, http);
    case 'sdk':
      return baselineTarget(name, http, (method, params) => callTool(http, method, params));
    case 'raw':
      return baselineTarget(name, http, (method, params) => callRaw(http, method, params));
  }
}

function chatTarget(name: 'mcp-chat' | 'mcp-chat-redis', http: HttpClient): Target {
  return {
    name,
    async openChannel() {
      const room = `bench-${randomUUID().slice(0, 12)}`;
      const sender = await callTool(http, 'join_room', { room_id: room, display_name: 'Sender' });
      const receiver = await callTool(http, 'join_room', { room_id: room, display_name: 'Receiver' });
      // The sender has one unread message, the receiver's join notice: read it so its waits park.
      await callTool(http, 'wait_for_message', { room_id: room, client_id: sender.client_id, timeout: 1 });
      return {
        async send(text) {
          await callTool(http, 'send_message', { room_id: room, client_id: sender.client_id, message: text });
        },
        async wait(timeout, signal, who = 'receiver') {
          const clientId = (who === 'receiver' ? receiver : sender).client_id;
          const result = await callTool(
            http,
            'wait_for_message',
            { room_id: room, client_id: clientId, timeout },
            signal,
          );
          return Array.isArray(result.messages) ? result.messages.length : 0;
        },
      };
    },
    async enterQueue() {
      const result = await callTool(http, 'enter_queue', {});
      return result.status === 'matched';
    },
  };
}

type Call = (method: string, params: Record<string, unknown>) => Promise<Record<string, unknown>>;

function baselineTarget(name: TargetName, http: HttpClient, call: Call): Target {
  return {
    name,
    async noop() {
      await call('noop', {});
    },
    async openChannel() {
      const room = `bench-${randomUUID().slice(0, 12)}`;
      let after = 0;
      return {
        async send(text) {
          await call('send', { room, text });
        },
        async wait(timeout, signal) {
          const result =
            name === 'sdk'
              ? await callTool(http, 'wait', { room, after, timeout }, signal)
              : await callRaw(http, 'wait', { room, after, timeout }, signal);
          const messages = Array.isArray(result.messages) ? (result.messages as { seq: number }[]) : [];
          after = messages.at(-1)?.seq ?? after;
          return messages.length;
        },
      };
    },
  };
}
