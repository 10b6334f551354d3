import {
  ClientCredentialsProvider,
  Client as ClientV2,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as Transport1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT, NO_SCOPE_CLIENT, newKey, OTHER_CLIENT, TestIssuer } from './support/oidc.js';
import { modernToolCall } from './support/raw.js';
import { startTestServer, type TestServer } from './support/server.js';

let issuer: TestIssuer;
let server: TestServer;
let resource: string;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  server = await startTestServer({
    auth: {
      mode: 'oauth',
      issuer: issuer.issuer,
      audience: undefined,
      scopes: ['chat'],
      admins: new Set([OTHER_CLIENT.id]),
      // Lets the rotation test see a new kid at once; production waits 30 s between refetches.
      jwksCooldownMs: 0,
    },
  });
  resource = server.mcpUrl.href;
});
afterAll(async () => {
  await server?.dispose();
  await issuer?.close();
});

function callWith(token: string | undefined): Promise<Response> {
  return modernToolCall(server.mcpUrl, 'get_status', { client_id: 'c_nobody' }, { headers: bearer(token) });
}

function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

const metadataUrl = () => `${server.url}/.well-known/oauth-protected-resource/mcp`;

describe('protected resource metadata (RFC 9728)', () => {
  it('names the resource, the issuer, the header method and the scopes, at both paths', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        resource,
        authorization_servers: [issuer.issuer],
        bearer_methods_supported: ['header'],
        scopes_supported: ['chat'],
      });
    }
  });

  it('leaves /healthz open', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('the official clients, with tokens from a real authorization server', () => {
  it('discovers the issuer through the metadata and calls tools, 2026-07-28 and 2025 era', async () => {
    for (const era of ['modern', 'legacy'] as const) {
      const client = new ClientV2(
        { name: `oauth-${era}`, version: '1' },
        era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
      );
      const authProvider = new ClientCredentialsProvider({
        clientId: CLIENT.id,
        clientSecret: CLIENT.secret,
        scope: 'chat',
        expectedIssuer: issuer.issuer,
      });
      await client.connect(new StreamableHTTPClientTransport(server.mcpUrl, { authProvider }));
      const joined = await client.callTool({
        name: 'join_room',
        arguments: { room_id: `oauth-${era}`, display_name: 'Ada' },
      });
      expect(joined.isError).toBeFalsy();
      expect(joined.structuredContent).toMatchObject({ status: 'room_created' });
      await client.close();
    }
  });

  it('serves the 1.x SDK client that sends a bearer token', async () => {
    const token = await issuer.token(resource);
    const client = new Client1({ name: 'oauth-sdk1', version: '1' });
    await client.connect(new Transport1(server.mcpUrl, { requestInit: { headers: bearer(token) } }));
    const queued = await client.callTool({ name: 'enter_queue', arguments: { display_name: 'Bo' } });
    expect(queued.structuredContent).toMatchObject({ status: 'waiting' });
    await client.close();
  });
});

describe('refusals', () => {
  it('answers 401 without a token, pointing at the metadata and naming no error', async () => {
    const response = await callWith(undefined);
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="${metadataUrl()}"`);
    expect(challenge).not.toContain('error=');
    expect(await response.json()).toMatchObject({ error: { message: expect.stringContaining('Bearer') } });
  });

  const refused: [string, () => Promise<string>][] = [
    ['a token that is no JWT', async () => 'not-a-jwt'],
    ['an expired token', () => issuer.forge({ exp: Math.floor(Date.now() / 1000) - 120 })],
    ['a token for another resource', () => issuer.forge({ aud: 'https://elsewhere.example/mcp' })],
    ['a token from another issuer', () => issuer.forge({ aud: resource, iss: 'https://evil.example' })],
    [
      'a token not valid yet',
      () => issuer.forge({ aud: resource, nbf: Math.floor(Date.now() / 1000) + 600 }),
    ],
    ['a token without a subject', () => issuer.forge({ aud: resource, sub: undefined })],
    [
      'an unsigned token (alg none)',
      async () => unsigned({ iss: issuer.issuer, aud: resource, sub: CLIENT.id }),
    ],
    ['an HMAC token keyed with the public key', () => hmacWithPublicKey()],
    [
      'a token signed by a key the issuer never published',
      async () => {
        const stranger = await newKey(issuer.key.kid);
        return issuer.forge({ aud: resource }, stranger);
      },
    ],
  ];
  for (const [what, make] of refused) {
    it(`refuses ${what} with 401 invalid_token`, async () => {
      const response = await callWith(await make());
      expect(response.status).toBe(401);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain('error="invalid_token"');
      expect(challenge).toContain(`resource_metadata="${metadataUrl()}"`);
    });
  }

  it('refuses a real token without the required scope with 403 insufficient_scope', async () => {
    const token = await issuer.token(resource, NO_SCOPE_CLIENT, 'profile');
    const response = await callWith(token);
    expect(response.status).toBe(403);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="chat"');
  });

  it('refuses a 2025-era initialize without a token', async () => {
    const client = new Client1({ name: 'no-token', version: '1' });
    await expect(client.connect(new Transport1(server.mcpUrl))).rejects.toThrow();
  });

  it('accepts a token the test signs with the issuer key: each refusal above is its one bad claim', async () => {
    const response = await callWith(await issuer.forge({ aud: resource }));
    expect(response.status).toBe(200);
  });
});

describe('subjects', () => {
  it('keeps a participant to the token subject (sub) that created it', async () => {
    const [mine, theirs] = [await issuer.token(resource), await issuer.token(resource, OTHER_CLIENT)];
    const call = async (token: string, name: string, args: Record<string, unknown>) => {
      const response = await modernToolCall(server.mcpUrl, name, args, { headers: bearer(token) });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { result: { structuredContent: Record<string, unknown> } };
      return body.result.structuredContent;
    };
    const created = await call(mine, 'enter_queue', { display_name: 'Ada' });
    expect(await call(theirs, 'get_status', { client_id: created.client_id })).toMatchObject({
      code: 'invalid_client',
    });
    // Its owner still uses it (it may have been matched with the queued client of an earlier case).
    expect(await call(mine, 'get_status', { client_id: created.client_id })).toMatchObject({
      user_id: created.user_id,
    });
  });
});

describe('/metrics with access control', () => {
  it('needs the token of a subject in MCP_CHAT_ADMINS', async () => {
    const metrics = `${server.url}/metrics`;
    const anonymous = await fetch(metrics);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('resource_metadata=');
    const member = await fetch(metrics, { headers: bearer(await issuer.token(resource)) });
    expect(member.status).toBe(403);
    const admin = await fetch(metrics, { headers: bearer(await issuer.token(resource, OTHER_CLIENT)) });
    expect(admin.status).toBe(200);
    expect(await admin.text()).toContain('mcp_chat_tool_calls_total');
  });
});

describe('key rotation', () => {
  it('accepts tokens signed with a new key (new kid) once the issuer publishes it', async () => {
    expect((await callWith(await issuer.token(resource))).status).toBe(200);
    await issuer.rotate('key-2');
    const token = await issuer.token(resource);
    expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).kid).toBe('key-2');
    expect((await callWith(token)).status).toBe(200);
  });
});

/** `alg: none`: a token anyone can write. */
function unsigned(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iat: now, exp: now + 300, scope: 'chat', ...claims })}.`;
}

/**
 * The algorithm confusion attack: HS256 with the issuer's public key (which everybody can
 * fetch) as the HMAC secret, as a naive verifier that takes the alg from the token would check it.
 */
async function hmacWithPublicKey(): Promise<string> {
  const publicJwk = await exportJWK(issuer.key.privateKey).then(
    ({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }) => pub,
  );
  const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
  return new SignJWT({ iss: issuer.issuer, aud: resource, sub: CLIENT.id, scope: 'chat' })
    .setProtectedHeader({ alg: 'HS256', kid: issuer.key.kid })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(secret);
}
