import type { AccessSettings } from '../http/auth/gate.js';
import { OAuthVerifier } from '../http/auth/oauth.js';
import { StaticTokenVerifier } from '../http/auth/static-tokens.js';
import type { ServeConfig } from './config.js';

/** Turns the access control configuration into what the HTTP layer runs. */
export function accessSettings(config: Pick<ServeConfig, 'auth' | 'publicUrl'>): AccessSettings {
  const { auth, publicUrl } = config;
  switch (auth.mode) {
    case 'none':
      return { mode: 'none', publicUrl, authorizationServers: [], scopes: [], admins: new Set() };
    case 'tokens': {
      const verifier = new StaticTokenVerifier(auth.tokens);
      return {
        mode: 'tokens',
        publicUrl,
        verifier: () => verifier,
        authorizationServers: [],
        scopes: [],
        admins: auth.admins,
      };
    }
    case 'oauth':
      return {
        mode: 'oauth',
        publicUrl,
        verifier: (resourceUrl) =>
          new OAuthVerifier({
            issuer: auth.issuer,
            audience: auth.audience ?? resourceUrl,
            requiredScopes: auth.scopes,
            jwksCooldownMs: auth.jwksCooldownMs,
          }),
        authorizationServers: [auth.issuer],
        scopes: auth.scopes,
        admins: auth.admins,
      };
  }
}
