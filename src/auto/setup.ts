/**
 * The automatic integrations as one integration, last in the list (it hands objects to the others):
 *
 *   express         channel http.server.request.start (route resolver) + hook on finalhandler (errors)
 *   fastify         channel fastify.initialization → register nm.fastify on each new instance
 *   kafkajs         hook on kafkajs/index.js → `new Kafka()` returns nm.kafka.instrument(client)
 *   confluentKafka  hook on @confluentinc/kafka-javascript/lib/kafkajs/_kafka.js → the same for its KafkaJS API
 *   pg              hook on pg/lib/index.js → `new Pool()` is bound (nm.db.bind)
 *   mysql2          hook on mysql2/index.js and mysql2/promise.js → `createPool()` binds what it returns
 *
 * Node's own HTTP servers and clients need nothing here: they are observed through Node's diagnostics channels by
 * the HTTP integration, with or without this one. Hooks need `module.registerHooks` (Node 22.15+); without it the
 * channel-based ones still work and Warnings.AUTO_HOOKS_UNAVAILABLE names what needs an explicit call.
 */
import type { Diag } from '../core/diag.js';
import { globalSlot } from '../core/global.js';
import type { Integration } from '../core/integration.js';
import { Warnings } from '../core/warnings.js';
import type { ObservationRegistry } from '../observation/registry.js';
import { wrapCreatePool, wrapKafkaClass, wrapPoolClass, type AutoHandle } from './exports.js';
import { resolveExpressRoutes, wrapFinalHandler } from './express.js';
import { registerOnFastify } from './fastify.js';
import { canHookModules, hookModules, type HookTarget } from './hooks.js';
import type { AutoIntegration, ResolvedAutoConfig } from './options.js';

/** What the automatic integrations need. */
export interface AutoDeps {
  readonly options: ResolvedAutoConfig;
  readonly observations: ObservationRegistry;
  readonly diag: Diag;
}

/** The entry files each hooked integration watches. */
const TARGETS: Partial<Record<AutoIntegration, readonly HookTarget[]>> = {
  express: [{ key: 'finalhandler', pathEnd: '/node_modules/finalhandler/index.js' }],
  kafkajs: [{ key: 'kafkajs', pathEnd: '/node_modules/kafkajs/index.js' }],
  confluentKafka: [{ key: 'confluentKafka', pathEnd: '/node_modules/@confluentinc/kafka-javascript/lib/kafkajs/_kafka.js' }],
  pg: [{ key: 'pg', pathEnd: '/node_modules/pg/lib/index.js' }],
  mysql2: [
    { key: 'mysql2', pathEnd: '/node_modules/mysql2/index.js' },
    { key: 'mysql2', pathEnd: '/node_modules/mysql2/promise.js' },
  ],
};

/** The handle as the Fastify integration needs it. */
interface FastifyHandle {
  readonly fastify: unknown;
}

export const AUTO: Integration<AutoDeps> = {
  name: 'auto',
  setup({ options, observations, diag }, closers) {
    if (!options.enabled) return {};
    // The live handle of this process, read when a library is loaded or a client created (after instrument()
    // returned); undefined once it shut down.
    const handle = (): (AutoHandle & FastifyHandle) | undefined => {
      const h = globalSlot<AutoHandle & FastifyHandle>().handle;
      return h === undefined || h.isShutDown ? undefined : h;
    };
    const report = (what: string, error: unknown): void => {
      diag.warn(Warnings.AUTO_INSTRUMENT_FAILED, { what, error }, what);
    };

    if (options.express) closers.add('auto express routes', resolveExpressRoutes());
    if (options.fastify) closers.add('auto fastify', registerOnFastify(() => handle()?.fastify, report));

    const targets: HookTarget[] = [];
    for (const [name, list] of Object.entries(TARGETS) as [AutoIntegration, readonly HookTarget[]][]) {
      if (options[name]) targets.push(...list);
    }
    if (targets.length === 0) return {};
    if (!canHookModules()) {
      const missing = [...new Set(targets.map((t) => t.key))].join(', ');
      diag.warn(Warnings.AUTO_HOOKS_UNAVAILABLE, { node: process.version, missing });
      return {};
    }
    const live = (): ObservationRegistry | undefined => (handle() === undefined ? undefined : observations);
    const unhook = hookModules(targets, (key, mod) => {
      try {
        const exports = mod.exports as Record<string, unknown>;
        let done: boolean;
        if (key === 'finalhandler') done = wrapFinalHandler(mod, live);
        else if (key === 'kafkajs' || key === 'confluentKafka') done = wrapKafkaClass(exports, handle, report);
        else if (key === 'pg') done = wrapPoolClass(exports, handle, report);
        else done = wrapCreatePool(exports, handle, report);
        if (!done) report(`${key} exports`, new Error('the export nodemeter wraps is missing (unsupported version?)'));
      } catch (err) {
        report(`${key} exports`, err);
      }
    });
    closers.add('auto module hooks', unhook);
    return {};
  },
};
