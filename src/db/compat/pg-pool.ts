/**
 * The one place nodemeter reads pg-pool's internals (node-postgres's `pg.Pool`). Everything else of the pg adapter
 * uses pg-pool's public API: `totalCount`, `idleCount`, `waitingCount`, `options`, `Client`, `connect()`, and the
 * 'release' and 'remove' events.
 *
 *   _clients, _idle     which clients are checked out at the moment a pool is bound (they count as active; their
 *                       usage is not timed). pg-pool has no public list of its clients.
 *   client._connecting  pg's Client flag of a connection still opening (pg 8 goes with pg-pool 3).
 *   error messages      pg-pool's connectionTimeoutMillis errors carry no code, only these two messages.
 *
 * Outside {@link PG_POOL_SUPPORTED} (or when the fields are not there), a pool is bound without them: clients
 * already checked out at bind time are not counted as active until they come back, and acquire timeouts are not
 * counted (hikaricp_connections_timeout_total stays 0).
 */
import type { Diag } from '../../core/diag.js';
import { gateVersion, installedVersion, type SupportedVersions } from '../../core/supported-versions.js';

/** The pg-pool versions whose internals are read here. @since 0.2.0 */
export const PG_POOL_SUPPORTED: SupportedVersions = { package: 'pg-pool', range: '>=3.0.0 <4' };

/** pg-pool's connectionTimeoutMillis errors: waiting for a client, or opening one. */
const TIMEOUT_MESSAGES = new Set(['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout']);

/** What the pg adapter reads through this module. */
export interface PgPoolInternals {
  /**
   * Calls `fn` for each client the pool holds, telling whether it is checked out right now (not idle, not
   * opening); calls nothing when this cannot be known.
   */
  eachClient(fn: (client: object, checkedOut: boolean) => void): void;
  /** True for pg-pool's connection-timeout errors. */
  isTimeout(err: unknown): boolean;
}

interface PoolFields {
  _clients?: unknown;
  _idle?: unknown;
}

const UNAVAILABLE: PgPoolInternals = {
  eachClient: () => undefined,
  isTimeout: () => false,
};

function isTimeout(err: unknown): boolean {
  return err instanceof Error && TIMEOUT_MESSAGES.has(err.message);
}

/**
 * The internals of one pool, after the version gate (warned once per process when pg-pool is outside the range)
 * and a check of their shape. `version` is the installed one unless given (tests).
 * @since 0.2.0
 */
export function pgPoolInternals(
  pool: object,
  diag: Diag,
  version = installedVersion(PG_POOL_SUPPORTED.package),
): PgPoolInternals {
  const without =
    'counting clients already checked out when the pool is bound, and acquire timeouts';
  if (!gateVersion(PG_POOL_SUPPORTED, diag, without, version)) return UNAVAILABLE;
  const fields = pool as PoolFields;
  if (!Array.isArray(fields._clients) || !Array.isArray(fields._idle)) return { eachClient: () => undefined, isTimeout };
  return {
    eachClient(fn) {
      // Read through the pool each time: pg-pool replaces these arrays as clients come and go.
      const clients = fields._clients as { _connecting?: unknown }[];
      const idle = new Set((fields._idle as { client?: unknown }[]).map((item) => item.client));
      for (const client of clients) fn(client, !idle.has(client) && client._connecting !== true);
    },
    isTimeout,
  };
}
