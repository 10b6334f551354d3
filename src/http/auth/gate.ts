import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { sendJson } from '../replies.js';
import type { AccessMode, RequestCaller, TokenVerifier } from './types.js';

/** What the access layer is configured with (see the README's access control section). */
export interface AccessSettings {
  mode: AccessMode;
  /** The base URL clients use; undefined: the address the server listens on. */
  publicUrl: string | undefined;
  /** Built once the public URL is known (the default audience is the resource URL). */
  verifier?: (resourceUrl: string) => TokenVerifier;
  /** Issuers named in the protected resource metadata (oauth). */
  authorizationServers: readonly string[];
  /** Scopes every token needs; advertised in the metadata and in challenges. */
  scopes: readonly string[];
  /** Subjects that may read `/metrics` when access control is on. */
  admins: ReadonlySet<string>;
}

/** Whether a request may go on, and as whom; a refusal has already been answered. */
export type Admission = { admitted: true; caller: RequestCaller } | { admitted: false };

/**
 * Access control in front of `/mcp` and `/metrics`: reads the bearer token, has it verified,
 * and answers refusals the way the MCP authorization spec asks (`401`/`403` with a
 * `WWW-Authenticate` challenge pointing at the RFC 9728 metadata). It hands the rest of the
 * server a caller, never a token.
 */
export class AccessGate {
  readonly resourceUrl: string;
  readonly metadataUrl: string;
  private readonly verifier: TokenVerifier | undefined;

  constructor(
    private readonly settings: AccessSettings,
    listeningUrl: string,
    /** Refusals are logged with their reason and the client's address, never with the token. */
    private readonly logger?: Pick<Logger, 'debug' | 'warn'>,
  ) {
    const base = (settings.publicUrl ?? listeningUrl).replace(/\/+$/, '');
    this.resourceUrl = `${base}/mcp`;
    this.metadataUrl = `${base}/.well-known/oauth-protected-resource/mcp`;
    this.verifier = settings.mode === 'none' ? undefined : settings.verifier?.(this.resourceUrl);
    if (settings.mode !== 'none' && !this.verifier) throw new Error(`no token verifier for ${settings.mode}`);
    void this.verifier?.warmUp?.();
  }

  get enabled(): boolean {
    return this.verifier !== undefined;
  }

  /** RFC 9728 protected resource metadata; null when access control is off (the paths answer 404). */
  metadata(): Record<string, unknown> | null {
    if (!this.enabled) return null;
    return {
      resource: this.resourceUrl,
      ...(this.settings.authorizationServers.length > 0
        ? { authorization_servers: this.settings.authorizationServers }
        : {}),
      bearer_methods_supported: ['header'],
      scopes_supported: this.settings.scopes,
      resource_name: 'MCP Chat',
    };
  }

  /** For `/mcp`: the caller, or a `401`/`403`/`503` already sent. */
  async admit(req: IncomingMessage, res: ServerResponse): Promise<Admission> {
    const address = req.socket.remoteAddress ?? 'unknown';
    if (!this.verifier) return { admitted: true, caller: { subject: undefined, limitKey: `ip:${address}` } };
    const token = bearerToken(req);
    if (token === undefined) {
      this.challenge(res, 401, {}, 'Unauthorized: send an access token as "Authorization: Bearer TOKEN".');
      return { admitted: false };
    }
    const verdict = await this.verifier.verify(token);
    if (verdict.kind === 'unavailable')
      this.logger?.warn({ reason: verdict.reason }, 'cannot check access tokens');
    else if (verdict.kind !== 'ok')
      this.logger?.debug({ address, reason: verdict.reason }, 'access token refused');
    switch (verdict.kind) {
      case 'ok':
        return { admitted: true, caller: { subject: verdict.subject, limitKey: `sub:${verdict.subject}` } };
      case 'invalid':
        this.challenge(
          res,
          401,
          { error: 'invalid_token', error_description: verdict.reason },
          verdict.reason,
        );
        return { admitted: false };
      case 'insufficient_scope':
        this.challenge(
          res,
          403,
          { error: 'insufficient_scope', error_description: verdict.reason },
          `Forbidden: ${verdict.reason}`,
        );
        return { admitted: false };
      case 'unavailable':
        sendJson(
          res,
          503,
          rpcError(
            `The authorization server cannot be reached, so tokens cannot be checked: ${verdict.reason}`,
          ),
          { 'retry-after': '5' },
        );
        return { admitted: false };
    }
  }

  /** For `/metrics`: open without access control; with it, only for subjects in MCP_CHAT_ADMINS. */
  async admitAdmin(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (!this.enabled) return true;
    const admission = await this.admit(req, res);
    if (!admission.admitted) return false;
    const subject = admission.caller.subject as string;
    if (this.settings.admins.has(subject)) return true;
    sendJson(res, 403, { error: 'Forbidden: /metrics is for the subjects listed in MCP_CHAT_ADMINS.' });
    return false;
  }

  private challenge(
    res: ServerResponse,
    status: 401 | 403,
    params: Record<string, string>,
    message: string,
  ): void {
    const scope = this.settings.scopes.length > 0 ? { scope: this.settings.scopes.join(' ') } : {};
    const fields = { ...params, ...scope, resource_metadata: this.metadataUrl };
    const header = `Bearer ${Object.entries(fields)
      .map(([key, value]) => `${key}="${value.replace(/["\\]/g, '')}"`)
      .join(', ')}`;
    sendJson(res, status, rpcError(message), { 'www-authenticate': header });
  }
}

/** The token of an `Authorization: Bearer` header; an empty string for any other form (so it is refused as invalid). */
function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match?.[1] ?? '';
}

function rpcError(message: string) {
  return { jsonrpc: '2.0', id: null, error: { code: -32001, message } };
}
