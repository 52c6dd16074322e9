/**
 * Compile-time checks of the public API as users write it (typechecked by `npm test`, never run): the Express
 * middleware and Fastify plugin fit Express 4/5 and Fastify 4/5 typings, options are typed, meters are typed.
 */
import express from 'express';
import Fastify from 'fastify';
import { instrument, withUriTemplate, type NodemeterOptions, type Timer } from '../../src/index.js';

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

// @ts-expect-error: unknown option names are compile errors too
instrument({ servicename: 'typo' });
// @ts-expect-error: sampling probability is a number
instrument({ tracing: { samplingProbability: '1' } });
