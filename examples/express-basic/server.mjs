// Express: the actuator on the application's port.  node examples/express-basic/server.mjs
import express from 'express';
import { instrument } from 'nodemeter';

const nm = instrument({ serviceName: 'order-service' });
const app = express();
app.use(nm.express()); // GET /actuator, /actuator/health, /actuator/prometheus
app.get('/orders/:id', (req, res) => res.json({ id: req.params.id }));

const server = app.listen(Number(process.env.PORT ?? 8080), () => {
  console.log(`listening on http://localhost:${server.address().port}/actuator/prometheus`);
});
process.once('SIGTERM', async () => {
  server.close();
  await nm.shutdown();
});
