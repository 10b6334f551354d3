import {
  auth,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';

/** localStorage (kept across visits) and sessionStorage (this sign-in only) keys. */
const KEY = {
  client: 'mcp-chat.oauth.client',
  tokens: 'mcp-chat.oauth.tokens',
  verifier: 'mcp-chat.oauth.verifier',
  state: 'mcp-chat.oauth.state',
  returnTo: 'mcp-chat.oauth.return_to',
  tries: 'mcp-chat.oauth.tries',
  discovery: 'mcp-chat.oauth.discovery',
};

/** Trips to the login page in a row without a call the server accepted, before giving up. */
const MAX_TRIES = 2;

function readJson<T>(storage: Storage, key: string): T | undefined {
  try {
    const text = storage.getItem(key);
    return text ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The page as an OAuth client of the server's authorization server (`MCP_CHAT_AUTH=oauth`):
 * the MCP client SDK's `auth()` runs discovery (RFC 9728, RFC 8414), dynamic client
 * registration (RFC 7591, as a public client), and the authorization code flow with PKCE; this
 * class is where it keeps what it needs in the browser. The registration and the tokens stay in
 * localStorage (a reload stays signed in); the PKCE verifier and state only in this tab's
 * sessionStorage, for the one round trip to the login page.
 */
export class BrowserOAuth implements OAuthClientProvider {
  constructor(private readonly serverUrl: URL) {}

  /** The page's own root: one fixed redirect URI to register, whatever page the person was on. */
  get redirectUrl(): string {
    return `${location.origin}/`;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'MCP Chat (web page)',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state(): string {
    const state = crypto.randomUUID();
    sessionStorage.setItem(KEY.state, state);
    return state;
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    return readJson(localStorage, KEY.client);
  }

  saveClientInformation(info: StoredOAuthClientInformation): void {
    localStorage.setItem(KEY.client, JSON.stringify(info));
  }

  tokens(): StoredOAuthTokens | undefined {
    return readJson(localStorage, KEY.tokens);
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    localStorage.setItem(KEY.tokens, JSON.stringify(tokens));
  }

  redirectToAuthorization(url: URL): void {
    // A server that keeps refusing the tokens it sent us for would loop through the login page.
    const tries = Number(sessionStorage.getItem(KEY.tries) ?? '0') + 1;
    if (tries > MAX_TRIES) throw new Error('Signed in, but the chat server refuses the access token.');
    sessionStorage.setItem(KEY.tries, String(tries));
    sessionStorage.setItem(KEY.returnTo, location.pathname + location.search);
    location.assign(url.href);
  }

  /** A call went through with the token: the next sign-in starts counting afresh. */
  accepted(): void {
    sessionStorage.removeItem(KEY.tries);
  }

  saveCodeVerifier(verifier: string): void {
    sessionStorage.setItem(KEY.verifier, verifier);
  }

  codeVerifier(): string {
    const verifier = sessionStorage.getItem(KEY.verifier);
    if (!verifier) throw new Error('No sign-in was started in this tab.');
    return verifier;
  }

  /** Which authorization server the sign-in went to: the answer must come from the same one. */
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    sessionStorage.setItem(KEY.discovery, JSON.stringify(state));
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return readJson(sessionStorage, KEY.discovery);
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') localStorage.removeItem(KEY.client);
    if (scope === 'all' || scope === 'tokens') localStorage.removeItem(KEY.tokens);
    if (scope === 'all' || scope === 'verifier') sessionStorage.removeItem(KEY.verifier);
    if (scope === 'all' || scope === 'discovery') sessionStorage.removeItem(KEY.discovery);
  }

  get accessToken(): string | undefined {
    return this.tokens()?.access_token;
  }

  /**
   * Gets a token: refreshes the stored one when it can ('AUTHORIZED'), else sends the browser to
   * the authorization server's login page ('REDIRECT': the page is leaving).
   */
  signIn(): Promise<'AUTHORIZED' | 'REDIRECT'> {
    return auth(this, { serverUrl: this.serverUrl });
  }

  /**
   * Back from the login page with `?code=…&state=…`: trades the code for tokens and puts the
   * address back to the page the person started from. False when the address is no such return.
   */
  async finish(): Promise<boolean> {
    const query = new URLSearchParams(location.search);
    const code = query.get('code');
    const error = query.get('error');
    if (!code && !error) return false;
    const expected = sessionStorage.getItem(KEY.state);
    const returnTo = sessionStorage.getItem(KEY.returnTo) ?? '/';
    sessionStorage.removeItem(KEY.state);
    sessionStorage.removeItem(KEY.returnTo);
    history.replaceState(null, '', returnTo);
    if (error) throw new Error(query.get('error_description') ?? error);
    if (!expected || query.get('state') !== expected)
      throw new Error('The sign-in answer does not match the sign-in this tab started.');
    await auth(this, {
      serverUrl: this.serverUrl,
      authorizationCode: code ?? '',
      iss: query.get('iss') ?? undefined,
    });
    sessionStorage.removeItem(KEY.verifier);
    return true;
  }
}
