import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { TokenVerifier, Verification } from './types.js';

/**
 * Signatures we accept: asymmetric ones only. `none` is never a signature, and an HMAC
 * algorithm would let anyone holding the issuer's public key (everyone) sign tokens with it.
 */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

export interface OAuthVerifierOptions {
  /** The authorization server's issuer identifier, compared exactly with `iss`. */
  issuer: string;
  /** The `aud` every token must carry: by default the protected resource URL. */
  audience: string;
  /** Scopes every token must hold. */
  requiredScopes: readonly string[];
  /**
   * Least time between two key refetches triggered by an unknown `kid`, so that a flood of
   * forged tokens cannot turn into a flood of requests to the issuer.
   */
  jwksCooldownMs?: number;
}

/** How long discovery and key requests to the issuer may take. */
const ISSUER_TIMEOUT_MS = 5000;
/** After a failed discovery, requests answer `unavailable` for this long before it is tried again. */
const DISCOVERY_RETRY_MS = 2000;
/** Clock skew tolerated on `exp` and `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Validates JWT access tokens as an OAuth 2.1 resource server (the MCP authorization spec,
 * RFC 9068 profile): the issuer's metadata is discovered once (RFC 8414, else OpenID Connect
 * discovery), its keys are fetched from `jwks_uri`, cached, and fetched again when a token names
 * a `kid` the cache does not hold (key rotation).
 */
export class OAuthVerifier implements TokenVerifier {
  private keys: Promise<JWTVerifyGetKey> | undefined;
  private failedAt = 0;

  constructor(private readonly options: OAuthVerifierOptions) {}

  async verify(token: string): Promise<Verification> {
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.keySet();
    } catch (error) {
      return { kind: 'unavailable', reason: (error as Error).message };
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ASYMMETRIC_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      return refusalOf(error);
    }
    const subject = payload.sub as string;
    const granted = scopesOf(payload);
    const missing = this.options.requiredScopes.filter((scope) => !granted.has(scope));
    if (missing.length > 0) {
      return {
        kind: 'insufficient_scope',
        subject,
        reason: `The access token lacks the scope ${missing.join(' ')}.`,
      };
    }
    return { kind: 'ok', subject };
  }

  /** Starts discovery early, so that the first request does not wait for it; failures are retried later. */
  warmUp(): Promise<void> {
    return this.keySet().then(
      () => undefined,
      () => undefined,
    );
  }

  private keySet(): Promise<JWTVerifyGetKey> {
    if (this.keys === undefined && Date.now() - this.failedAt < DISCOVERY_RETRY_MS) {
      return Promise.reject(new Error('The authorization server could not be reached; try again shortly.'));
    }
    this.keys ??= discoverJwksUri(this.options.issuer).then(
      (jwksUri) =>
        createRemoteJWKSet(new URL(jwksUri), {
          timeoutDuration: ISSUER_TIMEOUT_MS,
          cooldownDuration: this.options.jwksCooldownMs ?? 30_000,
          cacheMaxAge: 10 * 60_000,
        }),
      (error: unknown) => {
        this.keys = undefined;
        this.failedAt = Date.now();
        throw error;
      },
    );
    return this.keys;
  }
}

/**
 * The issuer's `jwks_uri`, from RFC 8414 metadata (`/.well-known/oauth-authorization-server`,
 * inserted before the issuer's path) or else OpenID Connect discovery (appended to it). The
 * metadata must name the configured issuer exactly (mix-up protection).
 */
export async function discoverJwksUri(issuer: string): Promise<string> {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  const candidates = [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
  const problems: string[] = [];
  for (const candidate of candidates) {
    try {
      const response = await fetch(candidate, { signal: AbortSignal.timeout(ISSUER_TIMEOUT_MS) });
      if (!response.ok) {
        problems.push(`${candidate} answered ${response.status}`);
        continue;
      }
      const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
      if (metadata.issuer !== issuer) {
        problems.push(`${candidate} names the issuer ${String(metadata.issuer)}, not ${issuer}`);
        continue;
      }
      if (typeof metadata.jwks_uri !== 'string') {
        problems.push(`${candidate} has no jwks_uri`);
        continue;
      }
      return metadata.jwks_uri;
    } catch (error) {
      problems.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  throw new Error(`No usable authorization server metadata for ${issuer} (${problems.join('; ')}).`);
}

/** RFC 9068 `scope` (space-separated), or the `scp` array some issuers use instead. */
function scopesOf(payload: JWTPayload): Set<string> {
  const { scope, scp } = payload as { scope?: unknown; scp?: unknown };
  if (typeof scope === 'string') return new Set(scope.split(' ').filter((s) => s !== ''));
  if (Array.isArray(scp)) return new Set(scp.filter((s): s is string => typeof s === 'string'));
  return new Set();
}

/** Which refusal a failed verification is: the token's fault, or the issuer out of reach. */
function refusalOf(error: unknown): Verification {
  if (error instanceof errors.JWTExpired) return { kind: 'invalid', reason: 'The access token expired.' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    const reasons: Record<string, string> = {
      aud: 'The access token is for another resource.',
      iss: 'The access token is from another issuer.',
      nbf: 'The access token is not valid yet.',
      sub: 'The access token has no subject.',
      exp: 'The access token has no expiry.',
    };
    return {
      kind: 'invalid',
      reason: reasons[error.claim] ?? `The access token's ${error.claim} claim is wrong.`,
    };
  }
  const unreachable =
    !(error instanceof errors.JOSEError) ||
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error.code === errors.JOSEError.code;
  if (unreachable)
    return { kind: 'unavailable', reason: 'The authorization server keys could not be fetched.' };
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return { kind: 'invalid', reason: 'The access token is not signed with an accepted algorithm.' };
  }
  return { kind: 'invalid', reason: 'The access token is not valid.' };
}
