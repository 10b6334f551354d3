import type { AuthInfo } from '@modelcontextprotocol/server';
import { LOCAL_ORIGIN, type Origin } from '../chat/index.js';

/**
 * Who made a call, as the HTTP layer determined it: the chat's `Origin`. `subject` is set only
 * with access control on; `limitKey` is whom per-caller limits count against.
 */
export type CallOrigin = Origin;

/**
 * The SDK carries a request's `authInfo` to the tool handler; the caller rides in it. The token
 * itself stays in the HTTP layer: `token` is deliberately empty.
 */
export function originAuthInfo(origin: CallOrigin): AuthInfo {
  return {
    token: '',
    clientId: origin.subject ?? '',
    scopes: [],
    extra: { subject: origin.subject, limitKey: origin.limitKey },
  };
}

/** The caller of a call that came through the SDK, from the authInfo set by `originAuthInfo`. */
export function originOf(authInfo: AuthInfo | undefined): CallOrigin {
  const extra = authInfo?.extra;
  if (!extra || typeof extra.limitKey !== 'string') return LOCAL_ORIGIN;
  return { subject: typeof extra.subject === 'string' ? extra.subject : undefined, limitKey: extra.limitKey };
}
