/**
 * Compile-time checks of the public API as users write it (typechecked by `npm test`, never run): the Express
 * middleware and Fastify plugin fit Express 4/5 and Fastify 4/5 typings, options are typed, meters are typed.
 */
import express from 'express';
import Fastify from 'fastify';
import {
  createHealthRegistry,
  createMeterRegistry,
  instrument,
  withUriTemplate,
  type ActuatorRouter,
  type HealthRegistry,
  type KafkaInstrumentation,
  type MeterRegistry,
  type NodemeterLogger,
  type NodemeterOptions,
  type Timer,
} from '../../src/index.js';

const options: NodemeterOptions = {
  serviceName: 'order-service',
  commonTags: { region: 'eu-1' },
  management: { port: 8081 },
  http: { server: { maxUriTags: 50 } },
  tracing: { samplingProbability: 1, propagation: { produce: ['b3'] } },
  metrics: { binders: { 'disk-space': false }, distribution: { percentilesHistogram: { 'http.server.requests': true } } },
};
const nm = instrument(options);

const app = express();
app.use(nm.express());
app.use(nm.expressErrorHandler());

const fastify = Fastify();
void fastify.register(nm.fastify);

const timer: Timer = nm.registry.timer('payment.charge', { labelNames: ['provider'] });
timer.record({ provider: 'x' }, 0.1);
const n: Promise<number> = timer.time({ provider: 'x' }, async () => 1);
void n;
void withUriTemplate('/orders/{id}', () => fetch('http://localhost/orders/1'));

// Registries and routers are interfaces: typed, usable, never constructed by users (factories where it makes sense).
const registry: MeterRegistry = nm.registry;
const health: HealthRegistry = nm.health;
const router: ActuatorRouter = nm.actuator;
const kafka: KafkaInstrumentation = nm.kafka;
void [registry, health, router, kafka];
const standalone: MeterRegistry = createMeterRegistry({ commonTags: { application: 'bench' } });
standalone.counter('orders.placed').inc();
createHealthRegistry().register('custom', () => ({ status: 'UP' }));
// @ts-expect-error: MeterRegistry is a type only, there is no public constructor
void new MeterRegistry();

// The logger is typed structurally (no pino types needed); pino-style calls work.
const log: NodemeterLogger = nm.logger.child({ module: 'orders' });
log.info({ orderId: 1 }, 'placed');
log.warn('careful');
const own = nm.instrumentLogger({ custom: true });
const flag: boolean = own.custom;
void flag;

// @ts-expect-error: unknown option names are compile errors too
instrument({ servicename: 'typo' });
// @ts-expect-error: sampling probability is a number
instrument({ tracing: { samplingProbability: '1' } });
