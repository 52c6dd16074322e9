// Logs with trace ids, shipped to a Loki push receiver.
//
//   NODEMETER_LOKI_URL=http://localhost:3100/loki/api/v1/push \
//   MANAGEMENT_TRACING_SAMPLING_PROBABILITY=1 node examples/logging/server.mjs
//
// (VictoriaLogs: NODEMETER_LOKI_URL=http://localhost:9428/insert/loki/api/v1/push)
// Then: curl localhost:8080/orders/42 ; curl localhost:8080/actuator/prometheus | grep -E 'logback|nodemeter_logs'
// The console and Loki get Spring Boot's line with [traceId-spanId]; Loki also gets the labels app/host/level=INFO
// and the structured metadata traceId/spanId/thread/logger, as loki4j sends a Spring service's logs.
//
// The same in code: instrument({ serviceName, logging: { loki: { url, labels: { env: 'dev' } } } }).
// JSON lines instead: logging: { console: 'json', loki: { url, format: 'json' } }.
import express from 'express';
import { pino } from 'pino';
import { instrument } from 'nodemeter';

const nm = instrument({ serviceName: 'order-service' });
const log = nm.logger; // traceId/spanId inside a span, app on every line, counted in logback_events_total

// A logger the application already had: nodemeter returns a correlated (and shipped) child of it.
const audit = nm.instrumentLogger(pino({ name: 'audit', redact: ['card'] }));

const app = express();
app.use(nm.express());
app.get('/orders/:id', (req, res) => {
  log.info({ orderId: req.params.id }, 'order looked up');
  audit.info({ orderId: req.params.id, card: '4111111111111111' }, 'order viewed');
  if (req.params.id === '0') {
    log.error(new Error('no order 0'), 'lookup failed');
    return res.status(404).json({ error: 'not found' });
  }
  res.json({ id: req.params.id, status: 'PAID' });
});

const server = app.listen(Number(process.env.PORT ?? 8080), () => {
  log.info(`listening on http://localhost:${server.address().port}`);
});
// The application's own graceful shutdown: nodemeter flushes the logs, this handler decides when to exit.
process.once('SIGTERM', async () => {
  server.close();
  await nm.shutdown(); // ships what is still buffered, then stops
  process.exit(0);
});
