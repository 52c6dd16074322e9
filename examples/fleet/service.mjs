// One service of the demo fleet, chosen by FLEET_ROLE (the fleet's index.mjs forks one process per role):
//
//   gateway            Express: POST /orders → order-service (fetch); GET /orders/:id
//   order-service      Fastify + PostgreSQL: stores the order, publishes it to Kafka, completes or compensates the
//                      saga when payment and inventory have replied
//   payment-service    kafkajs: charges (declines some on purpose), replies; refunds on compensation
//   inventory-service  @confluentinc/kafka-javascript (kafkajs when its addon is not built for this Node): reserves
//                      stock (some items are out of stock on purpose), replies
//
// Each is instrumented like any service of a Spring fleet: one `instrument()` call, Spring's metric names under
// /actuator/prometheus, spans to Zipkin, log lines to Loki, Kafka hops in the same trace.
// Configuration comes from the environment index.mjs sets (ZIPKIN, Loki push URL, brokers, DATABASE_URL, FLEET_RUN).
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { instrument } from 'nodemeter';
import { fleetTopics } from './topics.mjs';

const role = process.env.FLEET_ROLE;
const run = process.env.FLEET_RUN ?? 'demo';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const topics = fleetTopics(run);

const nm = instrument({
  serviceName: role,
  commonTags: { fleet: run },
  metrics: {
    // Latency histograms, as `management.metrics.distribution.percentiles-histogram.*` does for a Spring service:
    // the dashboards' p50/p95/p99 come from the buckets.
    distribution: { percentilesHistogram: { 'http.server.requests': true, 'http.client.requests': true } },
  },
  management: role === 'gateway' || role === 'order-service' ? undefined : { port: 0 },
});
const log = nm.logger;

/** Reports to the fleet process (progress, saga outcomes); a no-op when started by hand. */
const tell = (message) => process.send?.(message);

/** The trace id of the current span, for the fleet's report. */
const currentTraceId = () => trace.getActiveSpan()?.spanContext().traceId;

const servers = [];
const closers = [];

switch (role) {
  case 'gateway':
    await gateway();
    break;
  case 'order-service':
    await orderService();
    break;
  case 'payment-service':
    await paymentService();
    break;
  case 'inventory-service':
    await inventoryService();
    break;
  default:
    throw new Error(`FLEET_ROLE must be gateway, order-service, payment-service or inventory-service, not ${role}`);
}

const management = await nm.managementAddress();
tell({
  type: 'ready',
  role,
  url: servers[0],
  actuator: management ? `http://127.0.0.1:${management.port}/actuator` : `${servers[0]}/actuator`,
});

async function stop() {
  for (const close of closers.reverse()) await close().catch(() => {});
  await nm.shutdown();
  process.exit(0);
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.on('disconnect', stop);

async function gateway() {
  const { default: express } = await import('express');
  const orderService = process.env.FLEET_ORDER_SERVICE_URL;
  const app = express();
  app.use(nm.express());
  app.use(express.json());
  app.post('/orders', async (req, res) => {
    // fetch is traced: the order-service's span is a child of this request's.
    const answer = await fetch(`${orderService}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(req.body ?? {}),
      signal: AbortSignal.timeout(5000),
    });
    const body = await answer.json().catch(() => ({}));
    if (!answer.ok) log.error({ status: answer.status }, 'order-service refused the order');
    else log.info({ orderId: body.id }, 'order accepted');
    res.status(answer.ok ? 202 : 502).json(body);
  });
  app.get('/orders/:id', async (req, res) => {
    const answer = await fetch(`${orderService}/orders/${encodeURIComponent(req.params.id)}`, { signal: AbortSignal.timeout(5000) });
    res.status(answer.status).json(await answer.json().catch(() => ({})));
  });
  app.use(nm.expressErrorHandler());
  const server = app.listen(Number(process.env.FLEET_GATEWAY_PORT ?? 0), '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  servers.push(`http://127.0.0.1:${server.address().port}`);
  closers.push(() => new Promise((resolve) => server.close(resolve)));
}

async function orderService() {
  const { default: Fastify } = await import('fastify');
  const { default: pg } = await import('pg');
  const { Kafka } = await import('kafkajs');
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 5, connectionTimeoutMillis: 5000 });
  pool.on('error', (err) => log.warn({ err }, 'idle database connection lost'));
  nm.db.bind(pool, { name: 'orders-db' });
  await pool.query(
    'CREATE TABLE IF NOT EXISTS fleet_orders (id text PRIMARY KEY, run text, sku text, amount int, status text, payment text, inventory text, created timestamptz DEFAULT now())',
  );

  const kafka = nm.kafka.instrument(new Kafka({ clientId: 'order-service', brokers, logLevel: 1 }), { clientId: 'order-service' });
  const producer = kafka.producer();
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `order-service-${run}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.payments, topics.inventory], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const reply = JSON.parse(String(message.value));
      const column = topic === topics.payments ? 'payment' : 'inventory';
      const { rows } = await pool.query(
        `UPDATE fleet_orders SET ${column} = $2 WHERE id = $1 RETURNING status, payment, inventory`,
        [reply.orderId, reply.ok ? 'OK' : 'FAILED'],
      );
      const order = rows[0];
      if (!order || order.status !== 'PENDING' || !order.payment || !order.inventory) return;
      const completed = order.payment === 'OK' && order.inventory === 'OK';
      const status = completed ? 'COMPLETED' : 'COMPENSATED';
      await pool.query('UPDATE fleet_orders SET status = $2 WHERE id = $1', [reply.orderId, status]);
      if (!completed) {
        // Undo what did succeed: a refund or a released reservation.
        await producer.send({
          topic: topics.compensations,
          messages: [{ key: reply.orderId, value: JSON.stringify({ orderId: reply.orderId, payment: order.payment, inventory: order.inventory }) }],
        });
        log.warn({ orderId: reply.orderId, payment: order.payment, inventory: order.inventory }, 'saga compensated');
      } else {
        log.info({ orderId: reply.orderId }, 'saga completed');
      }
      tell({ type: 'saga', orderId: reply.orderId, status, traceId: currentTraceId() });
    },
  });

  const app = Fastify();
  await app.register(nm.fastify);
  app.post('/orders', async (req, reply) => {
    const { sku = 'book', amount = 10 } = req.body ?? {};
    // Some orders fail on purpose, as a bug would: a 500 on the order-service and a 502 on the gateway.
    if (sku === 'poison') {
      log.error({ sku }, 'cannot price this item');
      throw new Error('cannot price this item');
    }
    const id = crypto.randomUUID();
    await pool.query('INSERT INTO fleet_orders (id, run, sku, amount, status) VALUES ($1, $2, $3, $4, $5)', [id, run, sku, amount, 'PENDING']);
    await producer.send({ topic: topics.orders, messages: [{ key: id, value: JSON.stringify({ orderId: id, sku, amount }) }] });
    log.info({ orderId: id, sku, amount }, 'order placed');
    tell({ type: 'placed', orderId: id, traceId: currentTraceId() });
    reply.code(201);
    return { id, status: 'PENDING' };
  });
  app.get('/orders/:id', async (req, reply) => {
    const { rows } = await pool.query('SELECT id, sku, amount, status FROM fleet_orders WHERE id = $1', [req.params.id]);
    if (rows.length === 0) return reply.code(404).send({ error: 'no such order' });
    return rows[0];
  });
  await app.listen({ port: Number(process.env.FLEET_ORDER_PORT ?? 0), host: '127.0.0.1' });
  servers.push(`http://127.0.0.1:${app.server.address().port}`);
  closers.push(() => pool.end(), () => producer.disconnect(), () => consumer.disconnect(), () => app.close());
}

async function paymentService() {
  const { Kafka } = await import('kafkajs');
  const kafka = nm.kafka.instrument(new Kafka({ clientId: 'payment-service', brokers, logLevel: 1 }), { clientId: 'payment-service' });
  const producer = kafka.producer();
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `payment-service-${run}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.orders, topics.compensations], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const event = JSON.parse(String(message.value));
      if (topic === topics.compensations) {
        if (event.payment === 'OK') log.info({ orderId: event.orderId }, 'payment refunded');
        return;
      }
      // Large amounts are declined on purpose: their sagas compensate.
      const ok = event.amount < 90;
      if (ok) log.info({ orderId: event.orderId, amount: event.amount }, 'payment captured');
      else log.warn({ orderId: event.orderId, amount: event.amount }, 'payment declined');
      await producer.send({ topic: topics.payments, messages: [{ key: event.orderId, value: JSON.stringify({ orderId: event.orderId, ok }) }] });
    },
  });
  closers.push(() => producer.disconnect(), () => consumer.disconnect());
}

async function inventoryService() {
  let kafka;
  let client = 'kafkajs';
  try {
    // Its native addon is built for the Node version that installed it.
    const { KafkaJS } = createRequire(import.meta.url)('@confluentinc/kafka-javascript');
    kafka = nm.kafka.instrument(new KafkaJS.Kafka({ kafkaJS: { clientId: 'inventory-service', brokers, logLevel: 1 } }), { clientId: 'inventory-service' });
    client = '@confluentinc/kafka-javascript';
  } catch {
    const { Kafka } = await import('kafkajs');
    kafka = nm.kafka.instrument(new Kafka({ clientId: 'inventory-service', brokers, logLevel: 1 }), { clientId: 'inventory-service' });
  }
  const confluent = client !== 'kafkajs';
  const producer = kafka.producer();
  await producer.connect();
  const consumer = confluent
    ? kafka.consumer({ kafkaJS: { groupId: `inventory-service-${run}`, fromBeginning: true } })
    : kafka.consumer({ groupId: `inventory-service-${run}` });
  await consumer.connect();
  if (confluent) await consumer.subscribe({ topics: [topics.orders, topics.compensations] });
  else await consumer.subscribe({ topics: [topics.orders, topics.compensations], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const event = JSON.parse(String(message.value));
      if (topic === topics.compensations) {
        if (event.inventory === 'OK') log.info({ orderId: event.orderId }, 'reservation released');
        return;
      }
      // One item is always out of stock: its sagas compensate.
      const ok = event.sku !== 'gpu';
      if (ok) log.info({ orderId: event.orderId, sku: event.sku }, 'stock reserved');
      else log.warn({ orderId: event.orderId, sku: event.sku }, 'out of stock');
      await producer.send({ topic: topics.inventory, messages: [{ key: event.orderId, value: JSON.stringify({ orderId: event.orderId, ok }) }] });
    },
  });
  log.info({ client }, 'inventory-service consuming');
  tell({ type: 'client', role, client });
  closers.push(() => producer.disconnect(), () => consumer.disconnect());
}
