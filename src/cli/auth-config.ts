import { readFileSync } from 'node:fs';
import { parseTokenEntries, type StaticToken, tokenFileEntries } from '../http/auth/static-tokens.js';
import { isLoopbackHost } from '../http/origin.js';
import type { Setting } from './config.js';
import { ConfigError } from './config-error.js';

export type AuthConfig =
  | { mode: 'none' }
  | { mode: 'tokens'; tokens: StaticToken[]; admins: Set<string> }
  | {
      mode: 'oauth';
      issuer: string;
      /** Undefined: the protected resource URL. */
      audience: string | undefined;
      scopes: string[];
      admins: Set<string>;
      /** Least time between key refetches on an unknown `kid` (tests shorten it). */
      jwksCooldownMs?: number;
    };

/** The access control settings, by the names config.ts gives them. */
interface AuthSettingNames {
  auth: Setting;
  publicUrl: Setting;
  tokens: Setting;
  tokensFile: Setting;
  oauthIssuer: Setting;
  oauthAudience: Setting;
  oauthScopes: Setting;
  admins: Setting;
}

interface Sources {
  settings: AuthSettingNames;
  raw(setting: Setting): string | undefined;
  /** Whether the setting was given (flag or variable), rather than left to its default. */
  explicit(setting: Setting): boolean;
  host: string;
}

const MODES = ['none', 'tokens', 'oauth'] as const;

/**
 * MCP_CHAT_AUTH and its companions. An open server on an interface other than loopback is
 * refused unless `none` was asked for explicitly: nobody exposes an open chat by accident.
 */
export function loadAuthConfig({ settings, raw, explicit, host }: Sources): {
  auth: AuthConfig;
  publicUrl: string | undefined;
} {
  const mode = (raw(settings.auth) ?? 'none').trim().toLowerCase();
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(`MCP_CHAT_AUTH (--auth) must be one of ${MODES.join(', ')}; got "${mode}".`);
  }
  if (mode === 'none' && !explicit(settings.auth) && !isLoopbackHost(host)) {
    throw new ConfigError(
      `MCP_CHAT_HOST is ${host}, which is not loopback, and MCP_CHAT_AUTH is not set: anyone who can reach it could use the chat. ` +
        'Set MCP_CHAT_AUTH=tokens or MCP_CHAT_AUTH=oauth, or MCP_CHAT_AUTH=none to serve an open chat on purpose.',
    );
  }
  const publicUrl = parsePublicUrl(raw(settings.publicUrl));
  const admins = new Set(list(raw(settings.admins), ','));
  if (mode === 'tokens') return { auth: { mode, tokens: loadTokens(settings, raw), admins }, publicUrl };
  if (mode === 'oauth') {
    const issuer = raw(settings.oauthIssuer)?.trim();
    if (!issuer)
      throw new ConfigError('MCP_CHAT_OAUTH_ISSUER (--oauth-issuer) is required with MCP_CHAT_AUTH=oauth.');
    checkIssuer(issuer);
    const audience = raw(settings.oauthAudience)?.trim() || undefined;
    const scopes = list(raw(settings.oauthScopes), ' ');
    return { auth: { mode, issuer, audience, scopes, admins }, publicUrl };
  }
  return { auth: { mode: 'none' }, publicUrl };
}

function loadTokens(settings: AuthSettingNames, raw: Sources['raw']): StaticToken[] {
  const tokens: StaticToken[] = [];
  const inline = raw(settings.tokens);
  try {
    if (inline !== undefined) {
      tokens.push(...parseTokenEntries(list(inline, ','), (i) => `entry ${i + 1} of MCP_CHAT_TOKENS`));
    }
  } catch (error) {
    throw new ConfigError(`MCP_CHAT_TOKENS (--tokens): ${(error as Error).message}.`);
  }
  const file = raw(settings.tokensFile);
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `MCP_CHAT_TOKENS_FILE (--tokens-file): cannot read ${file}: ${(error as Error).message}.`,
      );
    }
    const lines = tokenFileEntries(text);
    try {
      tokens.push(
        ...parseTokenEntries(
          lines.map((line) => line.entry),
          (i) => `line ${lines[i]?.line} of ${file}`,
        ),
      );
    } catch (error) {
      throw new ConfigError(`MCP_CHAT_TOKENS_FILE (--tokens-file): ${(error as Error).message}.`);
    }
  }
  if (tokens.length === 0) {
    throw new ConfigError(
      'MCP_CHAT_AUTH=tokens needs tokens: set MCP_CHAT_TOKENS (subject:token,...) or MCP_CHAT_TOKENS_FILE.',
    );
  }
  return tokens;
}

function parsePublicUrl(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigError(
      `MCP_CHAT_PUBLIC_URL (--public-url) must be a URL such as https://chat.example.com; got "${value}".`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`MCP_CHAT_PUBLIC_URL (--public-url) must be an http or https URL; got "${value}".`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigError(
      `MCP_CHAT_PUBLIC_URL (--public-url) must have no query or fragment; got "${value}".`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** OAuth 2.1 wants the authorization server on https; plain http is accepted on loopback only (tests, development). */
function checkIssuer(issuer: string): void {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(`MCP_CHAT_OAUTH_ISSUER (--oauth-issuer) must be a URL; got "${issuer}".`);
  }
  const loopback = isLoopbackHost(url.hostname) || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(
      `MCP_CHAT_OAUTH_ISSUER (--oauth-issuer) must be an https URL (http only on loopback); got "${issuer}".`,
    );
  }
}

function list(value: string | undefined, separator: string): string[] {
  return (value ?? '')
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
