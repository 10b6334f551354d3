import type { AuthInfo } from '@modelcontextprotocol/server';

/**
 * Who made a call, as the HTTP layer determined it. `subject` is set only with access control
 * on; `limitKey` is whom per-caller limits count against (the subject, or the client's IP).
 */
export interface CallOrigin {
  subject: string | undefined;
  limitKey: string;
}

/** Calls that reach tool code without an HTTP request (none in production): limits count them together. */
const UNKNOWN_ORIGIN: CallOrigin = { subject: undefined, limitKey: 'local' };

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
  if (!extra || typeof extra.limitKey !== 'string') return UNKNOWN_ORIGIN;
  return { subject: typeof extra.subject === 'string' ? extra.subject : undefined, limitKey: extra.limitKey };
}
