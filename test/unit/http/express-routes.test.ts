/**
 * Express route templates come from the patterns of the layers that routed the request (Express 4 and 5), never
 * from parameter values: a router mounted at /api/:tenant gives one series, not one per tenant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { instrument } from '../../../src/index.js';
import { close } from '../../helpers/http.js';
import { parseExposition } from '../../helpers/registry.js';

const require = createRequire(import.meta.url);
type Handler = (req: unknown, res: { send(v: string): void }) => void;
const ok: Handler = (_req, res) => res.send('ok');

async function run(pkg: string, paths: string[], setup?: (app: { _router?: unknown; router?: unknown }) => void) {
  const nm = instrument({ serviceName: 'routes', diagLevel: 'silent', metrics: { enabled: false } });
  const express = require(pkg);
  const app = express();
  app.use(nm.express());
  const items = express.Router();
  items.get('/items/:itemId', ok);
  app.use('/api/:tenant', items);
  const orders = express.Router({ mergeParams: true });
  orders.get('/:orderId', ok);
  orders.get('/', ok);
  app.use('/users/:userId/orders', orders);
  const nested = express.Router();
  const inner = express.Router();
  inner.get('/c/:c', ok);
  nested.use('/b/:b', inner);
  app.use(['/a/:a', '/alt'], nested);
  const admin = express();
  admin.get('/x/:y', ok);
  app.use('/admin/:org', admin);
  app.get('/plain/:id', ok);
  setup?.(app);
  const server: Server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  try {
    for (const p of paths) {
      const res = await fetch(`http://127.0.0.1:${port}${p}`);
      assert.equal(res.status, 200, p);
      await res.text();
    }
    const deadline = Date.now() + 5000;
    for (;;) {
      const uris = parseExposition(await nm.scrape())
        .filter((s) => s.name === 'http_server_requests_seconds_count')
        .map((s) => `${s.labels.uri} ${s.value}`)
        .sort();
      if (uris.reduce((n, u) => n + Number(u.split(' ')[1]), 0) >= paths.length || Date.now() > deadline) return uris;
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    await close(server);
    await nm.shutdown();
  }
}

for (const pkg of ['express4', 'express']) {
  test(`${pkg}: mount patterns become the template; no series per parameter value`, async () => {
    const uris = await run(pkg, [
      '/api/acme/items/1',
      '/api/globex/items/2',
      '/users/orders/orders/1',
      '/users/7/orders',
      '/a/1/b/2/c/3',
      '/alt/b/2/c/3',
      '/admin/o1/x/2',
      '/admin/o2/x/3',
      '/plain/9',
    ]);
    assert.deepEqual(uris, [
      '/a/{a}/b/{b}/c/{c} 1',
      '/admin/{org}/x/{y} 2',
      '/alt/b/{b}/c/{c} 1',
      '/api/{tenant}/items/{itemId} 2',
      '/plain/{id} 1',
      '/users/{userId}/orders 1',
      '/users/{userId}/orders/{orderId} 1',
    ]);
  });
}

test('Express 5 on a router without layer patterns (before 2.3): each layer replaces only its own values', async () => {
  const uris = await run('express', ['/users/orders/orders/1', '/api/acme/items/1'], (app) => {
    const stack = ((app as { router: { stack: Array<Record<string, unknown>> } }).router.stack);
    for (const layer of stack) delete layer.rawPath;
  });
  assert.deepEqual(uris, ['/api/{tenant}/items/{itemId} 1', '/users/{userId}/orders/{orderId} 1']);
});
