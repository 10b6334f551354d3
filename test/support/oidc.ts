import type { Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

type CryptoKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

import Provider from 'oidc-provider';
import { freePort } from './process.js';

/** A signing key the test holds, private half included, so that it can forge tokens too. */
export interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export const CLIENT = { id: 'agent-one', secret: 'agent-one-secret-0123456789' };
export const OTHER_CLIENT = { id: 'agent-two', secret: 'agent-two-secret-0123456789' };
/** A client the issuer lets ask for nothing but `profile`: its tokens lack the chat scope. */
export const NO_SCOPE_CLIENT = { id: 'viewer', secret: 'viewer-secret-0123456789abc' };

export async function newKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/**
 * A real OAuth 2.1 authorization server (oidc-provider, certified) on loopback, issuing JWT
 * access tokens by the client credentials grant with resource indicators (RFC 8707): `aud` is
 * the resource asked for. `rotate()` restarts it on the same address with a new signing key.
 */
export class TestIssuer {
  key!: TestKey;
  private server: Server | undefined;

  private constructor(
    readonly issuer: string,
    private readonly port: number,
    private readonly interactive: boolean,
  ) {}

  /**
   * `interactive`: also the authorization code flow for people, as the web page does it: its
   * login and consent pages (oidc-provider's own, which take any login name and password), and
   * dynamic client registration open to browsers (CORS) for public clients with PKCE.
   */
  static async start(options: { interactive?: boolean } = {}): Promise<TestIssuer> {
    const port = await freePort();
    const issuer = new TestIssuer(`http://127.0.0.1:${port}`, port, options.interactive === true);
    await issuer.listen(await newKey('key-1'));
    return issuer;
  }

  /** A new key (new `kid`) replaces the old one in the issuer's JWKS and signs from now on. */
  async rotate(kid: string): Promise<void> {
    await this.close();
    await this.listen(await newKey(kid));
  }

  /** An access token for `resource` by the client credentials grant. */
  async token(resource: string, client = CLIENT, scope = 'chat'): Promise<string> {
    const response = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
    });
    const body = (await response.json()) as { access_token?: string };
    if (!response.ok || !body.access_token) throw new Error(`token request failed: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  /** A token signed with the issuer's current key, with any claims: for expired, wrong-audience... tokens. */
  async forge(claims: JWTPayload, key: TestKey = this.key): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: this.issuer,
      sub: CLIENT.id,
      iat: now,
      exp: now + 300,
      scope: 'chat',
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
      .sign(key.privateKey);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(key: TestKey): Promise<void> {
    this.key = key;
    const privateJwk = { ...(await exportJWK(key.privateKey)), kid: key.kid, alg: 'RS256', use: 'sig' };
    const machine = { grant_types: ['client_credentials'], redirect_uris: [], response_types: [] };
    const provider = new Provider(this.issuer, {
      clients: [
        { ...machine, client_id: CLIENT.id, client_secret: CLIENT.secret, scope: 'chat' },
        { ...machine, client_id: OTHER_CLIENT.id, client_secret: OTHER_CLIENT.secret, scope: 'chat' },
        {
          ...machine,
          client_id: NO_SCOPE_CLIENT.id,
          client_secret: NO_SCOPE_CLIENT.secret,
          scope: 'profile',
        },
      ],
      jwks: { keys: [privateJwk] },
      // offline_access turns on the refresh_token grant the page registers for.
      scopes: this.interactive ? ['chat', 'profile', 'offline_access'] : ['chat', 'profile'],
      ttl: { ClientCredentials: 600 },
      features: {
        devInteractions: { enabled: this.interactive },
        registration: { enabled: this.interactive },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => undefined as unknown as string,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, indicator) => ({
            scope: 'chat profile',
            audience: indicator,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
    });
    if (this.interactive) provider.use(registrationCors);
    const server = provider.listen(this.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    this.server = server;
  }
}

/**
 * oidc-provider answers CORS on discovery and token but not on registration; an authorization
 * server for browser MCP clients must allow it there too, so the test issuer does.
 */
async function registrationCors(
  ctx: {
    method: string;
    path: string;
    get(name: string): string;
    set(name: string, value: string): void;
    status: number;
  },
  next: () => Promise<void>,
): Promise<void> {
  const origin = ctx.get('origin');
  if (ctx.path !== '/reg' || !origin) return next();
  ctx.set('access-control-allow-origin', origin);
  if (ctx.method === 'OPTIONS') {
    ctx.set('access-control-allow-methods', 'POST');
    ctx.set('access-control-allow-headers', 'content-type, authorization');
    ctx.status = 204;
    return;
  }
  await next();
}
