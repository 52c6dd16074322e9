/**
 * The one place nodemeter reads mysql2's internals. The mysql2 adapter otherwise uses its public API:
 * `getConnection()`, `releaseConnection()`, `config`, the 'connection' event, and the connections' `query`,
 * `execute`, `release` and `destroy`.
 *
 *   pool._allConnections, _freeConnections, _connectionQueue   the pool's sizes (mysql2 has no public counts): the
 *                       total/idle/pending gauges, which connections are checked out when a pool is bound, and
 *                       whether a getConnection() call opened a new connection (creation time)
 *   connection._handshakePacket   whether a connection has finished its handshake, and the server's product
 *                       (MariaDB announces itself in its version string; the product name of the health details)
 *   error messages      a request refused because the pool is exhausted carries no code, only these messages
 *
 * Outside {@link MYSQL2_SUPPORTED} (or when the fields are not there), a pool is bound without them: the
 * hikaricp_connections, _idle and _pending series are left out, connections already checked out at bind time are
 * not counted as active, creation is not timed, only ETIMEDOUT counts as a timeout, and the product is "MySQL".
 */
import type { Diag } from '../../core/diag.js';
import { gateVersion, installedVersion, type SupportedVersions } from '../../core/supported-versions.js';

/** The mysql2 versions whose internals are read here. @since 0.2.0 */
export const MYSQL2_SUPPORTED: SupportedVersions = { package: 'mysql2', range: '>=3.0.0 <4' };

/** A mysql2 pool queue (its RingQueue; older versions: Denque; mysqljs: arrays). */
interface QueueLike {
  readonly length: number;
  toArray?(): unknown[];
}

interface PoolFields {
  _allConnections?: unknown;
  _freeConnections?: unknown;
  _connectionQueue?: unknown;
}

function isQueue(value: unknown): value is QueueLike {
  return typeof value === 'object' && value !== null && typeof (value as QueueLike).length === 'number';
}

function itemsOf(queue: QueueLike): unknown[] {
  if (Array.isArray(queue)) return queue;
  return typeof queue.toArray === 'function' ? queue.toArray() : [];
}

function handshake(connection: unknown): { serverVersion?: unknown } | null | undefined {
  return typeof connection === 'object' && connection !== null
    ? (connection as { _handshakePacket?: { serverVersion?: unknown } | null })._handshakePacket
    : undefined;
}

/** True for a mysql2 (or mysqljs) connection object: it has the handshake slot, filled or not. @since 0.2.0 */
export function isMysqlConnection(resource: object): boolean {
  return '_handshakePacket' in resource;
}

/** Product name as Spring reports it, from the server's handshake (`5.5.5-10.11.6-MariaDB…`). @since 0.2.0 */
export function mysqlProductName(connection: unknown): string {
  const version = handshake(connection)?.serverVersion;
  return typeof version === 'string' && version.includes('MariaDB') ? 'MariaDB' : 'MySQL';
}

/** mysql2's refusals of an exhausted pool (waitForConnections: false, or queueLimit reached). */
const REFUSED_MESSAGES = new Set(['No connections available.', 'Queue limit reached.']);

/** What the mysql2 adapter reads through this module. */
export interface Mysql2PoolInternals {
  /** Connections open or opening; undefined when unknown. */
  total(): number | undefined;
  /** Connections open and waiting in the pool; undefined when unknown. */
  idle(): number | undefined;
  /** Requests waiting for a connection; undefined when unknown. */
  pending(): number | undefined;
  /** Calls `fn` for each connection the pool holds, telling whether it is checked out; nothing when unknown. */
  eachConnection(fn: (connection: object, checkedOut: boolean) => void): void;
  /** True for mysql2's refusals of an exhausted pool. */
  isRefused(err: unknown): boolean;
}

const UNAVAILABLE: Mysql2PoolInternals = {
  total: () => undefined,
  idle: () => undefined,
  pending: () => undefined,
  eachConnection: () => undefined,
  isRefused: () => false,
};

function isRefused(err: unknown): boolean {
  return err instanceof Error && REFUSED_MESSAGES.has(err.message);
}

/**
 * The internals of one pool, after the version gate (warned once per process when mysql2 is outside the range)
 * and a check of their shape. `version` is the installed one unless given (tests).
 * @since 0.2.0
 */
export function mysql2PoolInternals(
  pool: object,
  diag: Diag,
  version = installedVersion(MYSQL2_SUPPORTED.package),
): Mysql2PoolInternals {
  const without =
    'the hikaricp_connections, _idle and _pending series, counting connections already checked out when the ' +
    'pool is bound, creation times, and refusals of an exhausted pool as timeouts';
  if (!gateVersion(MYSQL2_SUPPORTED, diag, without, version)) return UNAVAILABLE;
  const fields = pool as PoolFields;
  const all = fields._allConnections;
  const free = fields._freeConnections;
  const queue = fields._connectionQueue;
  if (!isQueue(all) || !isQueue(free) || !isQueue(queue)) return { ...UNAVAILABLE, isRefused };
  return {
    // Read through the pool each time: mysql2 may replace a queue object.
    total: () => (pool as { _allConnections: QueueLike })._allConnections.length,
    idle: () => (pool as { _freeConnections: QueueLike })._freeConnections.length,
    pending: () => (pool as { _connectionQueue: QueueLike })._connectionQueue.length,
    eachConnection(fn) {
      const p = pool as { _allConnections: QueueLike; _freeConnections: QueueLike };
      const freeSet = new Set(itemsOf(p._freeConnections));
      for (const item of itemsOf(p._allConnections)) {
        if (typeof item !== 'object' || item === null) continue;
        // A connection still in its handshake is opening, not checked out.
        fn(item, !freeSet.has(item) && Boolean(handshake(item)));
      }
    },
    isRefused,
  };
}
