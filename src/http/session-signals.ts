import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { SessionSignal } from '../chat/index.js';
import type { SessionCopy } from './session-copy.js';

/** The `notifications/cancelled` messages of a POST body, as signals for every copy of the session. */
export function cancellationsIn(body: unknown): Extract<SessionSignal, { kind: 'cancel' }>[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((message) => {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: unknown };
    if (method !== 'notifications/cancelled') return [];
    const { requestId, reason } = (params ?? {}) as { requestId?: unknown; reason?: unknown };
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return [];
    return [{ kind: 'cancel', requestId, ...(typeof reason === 'string' ? { reason } : {}) } as const];
  });
}

/**
 * What a signal from one copy of a session means for this instance's copy. A cancellation is handed
 * to the transport as if the client had posted it here: the SDK aborts the request if it runs here
 * (and ignores it otherwise, so the copy that received it from the client may hear it twice); the
 * lean lane does the same for its own calls.
 */
export function forwardSignal(
  signal: SessionSignal,
  { copy, instance, end }: { copy: SessionCopy; instance: string; end: () => void },
): void {
  switch (signal.kind) {
    case 'cancel': {
      const params = { requestId: signal.requestId, ...(signal.reason ? { reason: signal.reason } : {}) };
      copy.deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params } as JSONRPCMessage);
      // Or the request is one this copy answers on the lean lane.
      copy.lean.cancel(signal.requestId);
      return;
    }
    case 'bound':
      copy.session.watchUser(signal.userId);
      return;
    case 'log_level':
      // Not our own echo: it arrives after the store's round trips, and a later setLevel taken
      // here in the meantime must not be undone by the earlier one coming back.
      if (signal.by !== instance) copy.session.setLogLevel(signal.level);
      return;
    case 'streaming':
      if (signal.by !== instance) copy.session.setPushing(false);
      return;
    case 'ended':
      end();
      return;
  }
}
