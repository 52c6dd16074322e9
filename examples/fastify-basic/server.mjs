// Fastify with a separate management port, as Spring's management.server.port.
//   node examples/fastify-basic/server.mjs   → app on :8080, actuator on :8081
import Fastify from 'fastify';
import { instrument } from 'nodemeter';

const nm = instrument({ serviceName: 'payment-service', management: { port: Number(process.env.MANAGEMENT_PORT ?? 8081) } });
const app = Fastify();
await app.register(nm.fastify);
app.get('/payments/:id', async (req) => ({ id: req.params.id }));

await app.listen({ port: Number(process.env.PORT ?? 8080) });
const mgmt = await nm.managementAddress();
console.log(`app on :8080, actuator on http://localhost:${mgmt?.port}/actuator/prometheus`);
process.once('SIGTERM', async () => {
  await app.close();
  await nm.shutdown();
});
