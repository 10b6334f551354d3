import type { IncomingMessage } from 'node:http';

const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * DNS-rebinding protection. Requests without an Origin (every non-browser MCP client) pass; a
 * browser origin passes when its host is loopback or it is listed in `allowed` (exact origins,
 * scheme and port included, as `https://chat.example.com`).
 */
export function originAllowed(req: IncomingMessage, allowed: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return LOOPBACK_HOSTNAMES.has(parsed.hostname) || allowed.has(parsed.origin);
}

/**
 * While bound to loopback, a Host header naming anything else means a browser was pointed at us
 * through a rebinding domain: refuse it, unless it is the host of the public URL (a reverse
 * proxy on this machine in front of the server). When bound to another interface the operator
 * chose to expose the server, and the Host may be any name that resolves to it.
 */
export function hostAllowed(req: IncomingMessage, boundToLoopback: boolean, publicHost?: string): boolean {
  if (!boundToLoopback) return true;
  const host = req.headers.host;
  if (host === undefined) return true;
  try {
    const hostname = new URL(`http://${host}`).hostname;
    return LOOPBACK_HOSTNAMES.has(hostname) || hostname === publicHost;
  } catch {
    return false;
  }
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTNAMES.has(host) || host.startsWith('127.');
}

/** Normalises configured origins to `scheme://host[:port]`, or throws naming the bad one. */
export function parseAllowedOrigins(list: readonly string[]): Set<string> {
  return new Set(
    list.map((entry) => {
      try {
        const url = new URL(entry);
        if (url.origin === 'null') throw new Error('opaque');
        return url.origin;
      } catch {
        throw new Error(`"${entry}" is not an origin such as https://chat.example.com`);
      }
    }),
  );
}
