import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenVerifier, Verification } from './types.js';

/** Shorter tokens can be guessed; the contract stops the server at start rather than serve them. */
export const MIN_TOKEN_LENGTH = 16;

/** One configured token: whose it is, and the SHA-256 digest it must hash to. */
export interface StaticToken {
  subject: string;
  digest: Buffer;
}

const SUBJECT_PATTERN = /^[^\s:,#]{1,200}$/;
const DIGEST_PATTERN = /^sha256:([0-9a-fA-F]{64})$/;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Parses `subject:token` or `subject:sha256:HEX` entries. Throws an Error naming the entry by
 * `where(index)` and never quoting the token, so a bad entry cannot leak a secret into a log.
 * Plain tokens are kept only as their digests.
 */
export function parseTokenEntries(
  entries: readonly string[],
  where: (index: number) => string,
): StaticToken[] {
  const tokens: StaticToken[] = [];
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const subject = colon < 0 ? '' : entry.slice(0, colon).trim();
    const secret = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (!SUBJECT_PATTERN.test(subject) || secret === '') {
      throw new Error(`${where(index)} must be subject:token or subject:sha256:HEX`);
    }
    const digest = DIGEST_PATTERN.exec(secret)?.[1];
    if (digest !== undefined) {
      tokens.push({ subject, digest: Buffer.from(digest, 'hex') });
      return;
    }
    if (secret.startsWith('sha256:')) {
      throw new Error(`${where(index)} (subject ${subject}): a sha256: digest must be 64 hex digits`);
    }
    if (secret.length < MIN_TOKEN_LENGTH) {
      throw new Error(
        `${where(index)} (subject ${subject}): the token is shorter than ${MIN_TOKEN_LENGTH} characters`,
      );
    }
    tokens.push({ subject, digest: sha256(secret) });
  });
  const seen = new Map<string, string>();
  for (const token of tokens) {
    const key = token.digest.toString('hex');
    const owner = seen.get(key);
    if (owner !== undefined && owner !== token.subject) {
      throw new Error(`subjects ${owner} and ${token.subject} share a token; each needs its own`);
    }
    seen.set(key, token.subject);
  }
  return tokens;
}

/** Lines of a tokens file: one entry a line, blank lines and `#` comments skipped. */
export function tokenFileEntries(text: string): { entry: string; line: number }[] {
  return text
    .split(/\r?\n/)
    .map((raw, index) => ({ entry: raw.replace(/(^|\s)#.*$/, '').trim(), line: index + 1 }))
    .filter(({ entry }) => entry !== '');
}

/**
 * Static bearer tokens. The presented token is hashed once and compared with every configured
 * digest in constant time, without stopping at a match, so timing says nothing about which
 * (or whether any) token is close.
 */
export class StaticTokenVerifier implements TokenVerifier {
  constructor(private readonly tokens: readonly StaticToken[]) {}

  async verify(token: string): Promise<Verification> {
    const presented = sha256(token);
    let subject: string | undefined;
    for (const candidate of this.tokens) {
      if (timingSafeEqual(presented, candidate.digest) && subject === undefined) subject = candidate.subject;
    }
    return subject === undefined
      ? { kind: 'invalid', reason: 'The access token is not valid for this server.' }
      : { kind: 'ok', subject };
  }
}
