// NestJS runs on Express or Fastify; nodemeter hooks into whichever adapter it uses.
//   cd examples/nestjs && npm install && node main.mjs express   (or: fastify)
// Plain JavaScript, so the decorators are applied as functions (TypeScript users write @Controller() etc.).
import 'reflect-metadata';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { instrument } from 'nodemeter';

const adapterName = process.argv[2] ?? 'express';
const nm = instrument({ serviceName: `nest-${adapterName}` });

class OrdersController {
  get(id) {
    return { id, status: 'PAID' };
  }
}
Controller('orders')(OrdersController);
Get(':id')(OrdersController.prototype, 'get', Object.getOwnPropertyDescriptor(OrdersController.prototype, 'get'));
Param('id')(OrdersController.prototype, 'get', 0);

class AppModule {}
Module({ controllers: [OrdersController] })(AppModule);

let app;
if (adapterName === 'fastify') {
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
  // The Fastify instance under Nest: register the plugin before Nest registers its routes.
  await app.getHttpAdapter().getInstance().register(nm.fastify);
} else {
  app = await NestFactory.create(AppModule, { logger: false });
  app.use(nm.express());
}
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
const url = await app.getUrl();
const base = url.replace('[::1]', '127.0.0.1');

await fetch(`${base}/orders/42`);
await fetch(`${base}/orders/43`);
const scrape = await (await fetch(`${base}/actuator/prometheus`)).text();
console.log(`NestJS on ${adapterName}: ${base}/orders/42, metrics at ${base}/actuator/prometheus`);
for (const line of scrape.split('\n').filter((l) => l.startsWith('http_server_requests_seconds_count'))) console.log(`  ${line}`);
if (process.env.KEEP_RUNNING !== '1') {
  await app.close();
  await nm.shutdown();
}
