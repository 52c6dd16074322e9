/**
 * The DB compatibility modules against the installed pg-pool, mysql2 and generic-pool (no database needed: pg-pool
 * gets a stand-in Client, mysql2 pools open nothing until asked): the installed versions are in the declared
 * ranges, the internals are found and read right, pg-pool's real timeout errors are recognized, and a version
 * outside a range gives one NMWRN022 and nothing of the internals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import genericPool from 'generic-pool';
import mysql from 'mysql2';
import pg from 'pg';
import { Diag } from '../../../../src/core/diag.js';
import { installedVersion, satisfies } from '../../../../src/core/supported-versions.js';
import { factorySlot, GENERIC_POOL_SUPPORTED } from '../../../../src/db/compat/generic-pool.js';
import { MYSQL2_SUPPORTED, mysql2PoolInternals, mysqlProductName } from '../../../../src/db/compat/mysql2.js';
import { PG_POOL_SUPPORTED, pgPoolInternals } from '../../../../src/db/compat/pg-pool.js';

const require = createRequire(import.meta.url);

function recordingDiag() {
  const messages: string[] = [];
  return { messages, diag: new Diag('debug', (level, m) => messages.push(`${level} ${m}`)) };
}

/** A pg Client stand-in: connects at once, or (hang) never, until pg-pool ends it for its connection timeout. */
class StandInClient extends EventEmitter {
  static hang = false;
  // pg-pool pools a released client again only if it is queryable and not ending (pg Client fields).
  _queryable = true;
  _ending = false;
  #pending: ((err?: Error) => void) | undefined;
  connect(cb: (err?: Error) => void): void {
    if (StandInClient.hang) this.#pending = cb;
    else setImmediate(cb);
  }
  isConnected(): boolean {
    return !StandInClient.hang;
  }
  end(cb?: () => void): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.(new Error('Connection terminated'));
    setImmediate(() => {
      this.emit('end');
      cb?.();
    });
  }
  query(): void {}
}

test('the installed versions are in the declared ranges', () => {
  for (const supported of [PG_POOL_SUPPORTED, MYSQL2_SUPPORTED, GENERIC_POOL_SUPPORTED]) {
    const version = installedVersion(supported.package);
    assert.ok(version !== undefined, `${supported.package} is installed`);
    assert.ok(satisfies(version, supported.range), `${supported.package} ${version} in ${supported.range}`);
  }
});

test('pg-pool: checked-out clients told from idle ones; its two timeout errors recognized', async (t) => {
  StandInClient.hang = false;
  const pool = new pg.Pool({ Client: StandInClient as unknown as typeof pg.Client, max: 2, connectionTimeoutMillis: 30 });
  const { diag, messages } = recordingDiag();
  const internals = pgPoolInternals(pool, diag);
  const held = await pool.connect();
  const idle = await pool.connect();
  idle.release();
  const seen: [unknown, boolean][] = [];
  internals.eachClient((client, checkedOut) => seen.push([client, checkedOut]));
  assert.deepEqual(seen, [
    [held, true],
    [idle, false],
  ]);
  // Waiting for a client while the pool is full (pg-pool unrefs its timer: keep the test alive meanwhile):
  const keepAlive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(keepAlive));
  const other = await pool.connect();
  const waited = await pool.connect().then(() => undefined, (err: unknown) => err);
  assert.ok(internals.isTimeout(waited), String(waited));
  held.release();
  other.release();
  // Opening a client that does not connect in time:
  await pool.end();
  StandInClient.hang = true;
  const pool2 = new pg.Pool({ Client: StandInClient as unknown as typeof pg.Client, connectionTimeoutMillis: 30 });
  const opening = await pool2.connect().then(() => undefined, (err: unknown) => err);
  assert.ok(internals.isTimeout(opening), String(opening));
  assert.equal(internals.isTimeout(new Error('connection refused')), false);
  await pool2.end();
  assert.deepEqual(messages, []);
});

test('mysql2: the queues of a real pool are read; refusal messages are in the installed mysql2; MariaDB told by handshake', async () => {
  const pool = mysql.createPool({ host: '127.0.0.1', port: 1, connectionLimit: 3 });
  const { diag } = recordingDiag();
  const internals = mysql2PoolInternals(pool, diag);
  assert.deepEqual([internals.total(), internals.idle(), internals.pending()], [0, 0, 0]);
  const source = readFileSync(join(dirname(require.resolve('mysql2')), 'lib/base/pool.js'), 'utf8');
  for (const message of ['No connections available.', 'Queue limit reached.']) {
    assert.ok(source.includes(`'${message}'`) || source.includes(`"${message}"`), message);
    assert.ok(internals.isRefused(new Error(message)));
  }
  assert.equal(mysqlProductName({ _handshakePacket: { serverVersion: '5.5.5-10.11.6-MariaDB' } }), 'MariaDB');
  assert.equal(mysqlProductName({ _handshakePacket: { serverVersion: '8.4.0' } }), 'MySQL');
  await new Promise<void>((resolve) => pool.end(() => resolve()));
});

test('generic-pool: the factory slot is the caller\'s factory; replace and undo', async () => {
  const factory = { create: async () => ({}), destroy: async () => undefined };
  const pool = genericPool.createPool(factory, { max: 1 });
  const slot = factorySlot(pool, recordingDiag().diag);
  assert.ok(slot !== undefined);
  assert.equal(slot.factory, factory);
  let created = 0;
  const undo = slot.replace({ ...factory, create: async () => (created++, {}) });
  const resource = await pool.acquire();
  assert.equal(created, 1, 'the pool creates through the replacement');
  await pool.release(resource);
  undo();
  assert.equal(factorySlot(pool, recordingDiag().diag)?.factory, factory);
  await pool.drain();
  await pool.clear();
});

test('a version outside the range: NMWRN022 once per library, nothing of the internals', async () => {
  const { diag, messages } = recordingDiag();
  StandInClient.hang = false;
  const pgPool = new pg.Pool({ Client: StandInClient as unknown as typeof pg.Client });
  const held = await pgPool.connect();
  const pgInternals = pgPoolInternals(pgPool, diag, '4.0.0');
  const seen: unknown[] = [];
  pgInternals.eachClient((client) => seen.push(client));
  assert.deepEqual(seen, []);
  assert.equal(pgInternals.isTimeout(new Error('timeout exceeded when trying to connect')), false);
  pgPoolInternals(pgPool, diag, '4.0.0');
  held.release();
  await pgPool.end();

  const mysqlPool = mysql.createPool({ host: '127.0.0.1', port: 1 });
  const m = mysql2PoolInternals(mysqlPool, diag, '4.1.0');
  assert.deepEqual([m.total(), m.idle(), m.pending(), m.isRefused(new Error('Queue limit reached.'))], [undefined, undefined, undefined, false]);
  await new Promise<void>((resolve) => mysqlPool.end(() => resolve()));

  const gp = genericPool.createPool({ create: async () => ({}), destroy: async () => undefined });
  assert.equal(factorySlot(gp, diag, '2.5.4'), undefined);
  await gp.drain();
  await gp.clear();

  const warned = messages.filter((m) => m.startsWith('warn NMWRN022'));
  assert.equal(warned.length, 3, messages.join('\n'));
  assert.match(warned[0]!, /^warn NMWRN022 pg-pool 4\.0\.0 is outside the versions nodemeter supports \(>=3\.0\.0 <4\)/);
  assert.match(warned[1]!, /mysql2 4\.1\.0 .*without the hikaricp_connections, _idle and _pending series/);
  assert.match(warned[2]!, /generic-pool 2\.5\.4 .*without creation times/);
});
