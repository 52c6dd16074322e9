/**
 * What the automatic integrations do to a library's exports once its entry module has run (hooks.ts): a subclass
 * of its client or pool class whose constructor hands the new object to nodemeter, or a factory that does the
 * same with what it returns. The application's objects are the library's own (subclass instances), so
 * `instanceof`, statics and the library's types stay as they were.
 */

/** The members of the live handle the automatic integrations use (structural: src/sdk is not imported here). */
export interface AutoHandle {
  readonly isShutDown: boolean;
  readonly kafka: { instrument<K extends object>(kafka: K, options?: { clientId?: string }): K };
  readonly db: { bind(pool: unknown): unknown };
}

/** Reports an object nodemeter could not instrument; the application gets it uninstrumented. */
export type Report = (what: string, error: unknown) => void;

type Ctor = new (...args: unknown[]) => object;

/** kafkajs settings, top level (kafkajs) or under `kafkaJS` (@confluentinc/kafka-javascript). */
function clientIdOf(config: unknown): string | undefined {
  if (config === null || typeof config !== 'object') return undefined;
  const nested = (config as { kafkaJS?: unknown }).kafkaJS;
  const settings = (nested !== null && typeof nested === 'object' ? nested : config) as { clientId?: unknown };
  return typeof settings.clientId === 'string' ? settings.clientId : undefined;
}

/**
 * nodemeter's own clients (the Kafka span transport's producer, src/tracing/kafka-sender.ts) carry this registered
 * symbol in their config and stay uninstrumented: spans about sending spans would feed themselves.
 */
function isNodemeterOwn(config: unknown): boolean {
  return config !== null && typeof config === 'object' && (config as Record<symbol, unknown>)[Symbol.for('nodemeter.uninstrumented')] === true;
}

function keepName(wrapped: object, original: Ctor | ((...args: unknown[]) => unknown)): void {
  Object.defineProperty(wrapped, 'name', { value: original.name, configurable: true });
}

/**
 * `exports.Kafka` becomes a subclass whose instances are instrumented clients (`nm.kafka.instrument`): the object
 * `new Kafka()` returns inherits from the client the library built, with `producer()`/`consumer()` traced and
 * metered. Returns false when there is no such class.
 */
export function wrapKafkaClass(exports: Record<string, unknown>, handle: () => AutoHandle | undefined, report: Report): boolean {
  const Original = exports.Kafka as Ctor | undefined;
  if (typeof Original !== 'function') return false;
  class Kafka extends Original {
    constructor(...args: unknown[]) {
      super(...args);
      const nm = handle();
      // A class constructor may return another object: the instrumented client, whose prototype is this one.
      // eslint-disable-next-line no-constructor-return
      if (nm === undefined || nm.isShutDown || isNodemeterOwn(args[0])) return;
      try {
        return nm.kafka.instrument(this, { clientId: clientIdOf(args[0]) ?? 'kafkajs' });
      } catch (err) {
        report('kafka client', err);
      }
    }
  }
  keepName(Kafka, Original);
  exports.Kafka = Kafka;
  return true;
}

/** `exports.Pool` (pg) becomes a subclass whose instances are bound (`nm.db.bind`) when created. */
export function wrapPoolClass(exports: Record<string, unknown>, handle: () => AutoHandle | undefined, report: Report): boolean {
  const Original = exports.Pool as Ctor | undefined;
  if (typeof Original !== 'function') return false;
  class Pool extends Original {
    constructor(...args: unknown[]) {
      super(...args);
      const nm = handle();
      if (nm === undefined || nm.isShutDown) return;
      try {
        nm.db.bind(this);
      } catch (err) {
        report('pg pool', err);
      }
    }
  }
  keepName(Pool, Original);
  exports.Pool = Pool;
  return true;
}

/** `exports.createPool` (mysql2, mysql2/promise) binds the pool it returns. */
export function wrapCreatePool(exports: Record<string, unknown>, handle: () => AutoHandle | undefined, report: Report): boolean {
  const original = exports.createPool as ((...args: unknown[]) => unknown) | undefined;
  if (typeof original !== 'function') return false;
  const createPool = function (this: unknown, ...args: unknown[]): unknown {
    const pool = original.apply(this, args);
    const nm = handle();
    if (nm === undefined || nm.isShutDown) return pool;
    try {
      nm.db.bind(pool);
    } catch (err) {
      report('mysql2 pool', err);
    }
    return pool;
  };
  keepName(createPool, original);
  exports.createPool = createPool;
  return true;
}
