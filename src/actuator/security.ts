/**
 * Optional protection of the actuator: every endpoint but `health` and `prometheus` (which probes and scrapers
 * call) needs `Authorization: Bearer <token>` or `Basic <user:password>` when `actuator.auth` is set. Credentials
 * are compared in constant time. A request without valid credentials gets 401 with a `WWW-Authenticate` challenge,
 * as Spring Security answers; there are no roles, so nothing answers 403.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { revealAuth, type ResolvedActuatorConfig } from './options.js';

// node:crypto is loaded when a guard is made (actuator.auth set), not at import: its ESM facade loads the whole
// crypto layer, a few MB at start-up that an actuator without auth never uses (docs/benchmarks.md, start-up).
let crypto: typeof import('node:crypto') | undefined;

function digest(value: string): Buffer {
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto.createHash('sha256').update(value).digest();
}

function same(a: string, expected: Buffer): boolean {
  const actual = digest(a);
  return (crypto as typeof import('node:crypto')).timingSafeEqual(actual, expected);
}

/** Checks credentials of a request. */
export interface Guard {
  /** True when protection is configured. */
  readonly enabled: boolean;
  /** True when the request carries valid credentials (false without protection configured). */
  authenticated(headers: IncomingHttpHeaders): boolean;
  /** The `WWW-Authenticate` challenge of a 401. */
  readonly challenge: string;
}

export function createGuard(configured: ResolvedActuatorConfig['auth']): Guard {
  if (configured === undefined) return { enabled: false, authenticated: () => false, challenge: '' };
  const auth = revealAuth(configured);
  const token = auth.token === undefined ? undefined : digest(auth.token);
  const basic = auth.username === undefined ? undefined : digest(`${auth.username}:${auth.password ?? ''}`);
  return {
    enabled: true,
    challenge: basic ? 'Basic realm="actuator"' : 'Bearer realm="actuator"',
    authenticated(headers) {
      const header = headers.authorization;
      if (typeof header !== 'string') return false;
      const space = header.indexOf(' ');
      if (space <= 0) return false;
      const scheme = header.slice(0, space).toLowerCase();
      const value = header.slice(space + 1).trim();
      if (scheme === 'bearer' && token) return same(value, token);
      if (scheme === 'basic' && basic) return same(Buffer.from(value, 'base64').toString('utf8'), basic);
      return false;
    },
  };
}
