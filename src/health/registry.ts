/**
 * Health, as Spring Boot's HealthEndpoint: named indicators, aggregated with the order DOWN, OUT_OF_SERVICE, UP,
 * UNKNOWN; HTTP 503 for DOWN and OUT_OF_SERVICE. Each indicator is bounded by a timeout and a throwing indicator
 * is DOWN with its error, never a failed request. Integrations (Kafka, DB pools) add indicators here.
 */

/** @since 0.1.0 */
export type HealthStatus = 'UP' | 'DOWN' | 'OUT_OF_SERVICE' | 'UNKNOWN';

/** @since 0.1.0 */
export interface Health {
  status: HealthStatus;
  details?: Record<string, unknown>;
  /** Sub-components of a composite (several DB pools under `db`). */
  components?: Record<string, Health>;
}

/** A check of one component. @since 0.1.0 */
export type HealthIndicator = () => Health | Promise<Health>;

const ORDER: readonly HealthStatus[] = ['DOWN', 'OUT_OF_SERVICE', 'UP', 'UNKNOWN'];

/** @since 0.1.0 */
export interface HealthResponse {
  status: HealthStatus;
  components?: Record<string, Health>;
}

/** Health indicators shown at `/actuator/health`; `nm.health`. @since 0.1.0 */
export interface HealthRegistry {
  /** Longest an indicator may take before it counts as DOWN, in ms. */
  readonly timeoutMs: number;
  /** Adds or replaces an indicator; returns a function that removes it. */
  register(name: string, indicator: HealthIndicator): () => void;
  /** Runs every indicator (each bounded by the timeout) and aggregates, as Spring's HealthEndpoint. Never rejects. */
  check(): Promise<HealthResponse>;
}

/** A registry with the `ping` indicator, as instrument() creates one. @since 0.2.0 */
export function createHealthRegistry(timeoutMs = 5_000): HealthRegistry {
  return new HealthRegistryImpl(timeoutMs);
}

class HealthRegistryImpl implements HealthRegistry {
  readonly #indicators = new Map<string, HealthIndicator>();

  constructor(readonly timeoutMs: number) {
    this.register('ping', () => ({ status: 'UP' }));
  }

  /** Adds or replaces an indicator; returns a function that removes it. */
  register(name: string, indicator: HealthIndicator): () => void {
    this.#indicators.set(name, indicator);
    return () => {
      if (this.#indicators.get(name) === indicator) this.#indicators.delete(name);
    };
  }

  async check(): Promise<HealthResponse> {
    const names = [...this.#indicators.keys()].sort();
    const results = await Promise.all(names.map((n) => this.#run(this.#indicators.get(n) as HealthIndicator)));
    const components: Record<string, Health> = {};
    let status: HealthStatus = 'UNKNOWN';
    names.forEach((name, i) => {
      const health = results[i] as Health;
      components[name] = health;
      if (ORDER.indexOf(health.status) < ORDER.indexOf(status)) status = health.status;
    });
    return { status: names.length === 0 ? 'UP' : status, components };
  }

  async #run(indicator: HealthIndicator): Promise<Health> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(indicator),
        new Promise<Health>((resolve) => {
          timer = setTimeout(
            () => resolve({ status: 'DOWN', details: { error: `timed out after ${this.timeoutMs} ms` } }),
            this.timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      return { status: 'DOWN', details: { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

/** Spring's SimpleHttpCodeStatusMapper. */
export function httpStatusOf(status: HealthStatus): number {
  return status === 'DOWN' || status === 'OUT_OF_SERVICE' ? 503 : 200;
}
