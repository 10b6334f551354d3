/** What the access layer tells the rest of the server about one request. */

import type { CallOrigin } from '../../mcp/caller.js';

export type AccessMode = 'none' | 'tokens' | 'oauth';

/** The outcome of checking one bearer token. */
export type Verification =
  | { kind: 'ok'; subject: string }
  /** Unknown, expired, for another resource, badly signed...: the reason goes to the client. */
  | { kind: 'invalid'; reason: string }
  | { kind: 'insufficient_scope'; subject: string; reason: string }
  /** The authorization server (its metadata or keys) cannot be reached: not the client's fault. */
  | { kind: 'unavailable'; reason: string };

export interface TokenVerifier {
  verify(token: string): Promise<Verification>;
  /** Fetches what verification needs ahead of the first request, if anything. Never rejects. */
  warmUp?(): Promise<void>;
}

/**
 * Who is calling, as far as the server can tell: the token's subject when access control is on,
 * and whom per-caller limits count against (the subject, or without access control the IP).
 * The protocol face defines the shape, since tool calls receive it.
 */
export type RequestCaller = CallOrigin;
