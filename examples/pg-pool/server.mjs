// A pg pool bound to nodemeter: HikariCP metrics, `db` health, query spans.   node examples/pg-pool/server.mjs
// Needs PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; `npm run stack up postgres`).
//
//   curl localhost:8080/orders/42
//   curl localhost:8080/actuator/health          {"db":{"status":"UP","details":{"database":"PostgreSQL",…}}}
//   curl -s localhost:8080/actuator/prometheus | grep 'hikaricp_connections.*orders-db'
import express from 'express';
import pg from 'pg';
import { instrument } from 'nodemeter';

const nm = instrument({ serviceName: 'order-service' });
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  max: 10,
  connectionTimeoutMillis: 5_000, // a request waiting longer counts in hikaricp_connections_timeout_total
});
// Idle clients report a database that went away here; the pool replaces them.
pool.on('error', (err) => nm.logger.warn({ err }, 'idle database connection lost'));
nm.db.bind(pool, { name: 'orders-db' });

const app = express();
app.use(nm.express());
app.get('/orders/:id', async (req, res, next) => {
  try {
    // One CLIENT span "select test" under the request's span, db.statement "SELECT $1::int AS id, ? AS status"
    const { rows } = await pool.query("SELECT $1::int AS id, 'pending' AS status", [req.params.id]);
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});
app.use(nm.expressErrorHandler());

const server = app.listen(Number(process.env.PORT ?? 8080), () => {
  console.log(`listening on http://localhost:${server.address().port}/orders/42`);
});
process.once('SIGTERM', async () => {
  server.close();
  await nm.shutdown(); // unbinds the pool (it stays open)
  await pool.end(); // the pool is the application's to end
});
