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
  /**
   * Runs the indicators (all, or those `names` lists), each bounded by the timeout (the registry's, or
   * `timeoutMs`), and aggregates as Spring's HealthEndpoint. Never rejects.
   */
  check(options?: HealthCheckOptions): Promise<HealthResponse>;
  /** Names of the registered indicators, sorted. */
  names(): string[];
}

/** @since 0.3.0 */
export interface HealthCheckOptions {
  /** Only these indicators (unknown names are left out). */
  readonly names?: readonly string[];
  /** Longest one indicator may take, in ms; default the registry's. */
  readonly timeoutMs?: number;
}

/** The status of several, as Spring's SimpleStatusAggregator (DOWN, OUT_OF_SERVICE, UP, UNKNOWN); UP for none. */
export function aggregateStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let status: HealthStatus | undefined;
  for (const s of statuses) if (status === undefined || ORDER.indexOf(s) < ORDER.indexOf(status)) status = s;
  return status ?? 'UP';
}

/** A registry with the `ping` indicator, as instrument() creates one. @since 0.2.0 */
export function createHealthRegistry(timeoutMs = 5_000): HealthRegistry {
  return new HealthRegistryImpl(timeoutMs);
}

/** What cluster mode needs of a registry instrument() created (health/cluster.ts); not on the public type. */
export interface ClusterableHealth {
  checkSource: ((options: HealthCheckOptions) => Promise<HealthResponse>) | undefined;
  localCheck(options?: HealthCheckOptions): Promise<HealthResponse>;
}

export function isClusterableHealth(health: HealthRegistry): health is HealthRegistry & ClusterableHealth {
  return health instanceof HealthRegistryImpl;
}

class HealthRegistryImpl implements HealthRegistry, ClusterableHealth {
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

  names(): string[] {
    return [...this.#indicators.keys()].sort();
  }

  /** Cluster mode (health/cluster.ts): where check() gets its answer; undefined: this process's indicators. */
  checkSource: ((options: HealthCheckOptions) => Promise<HealthResponse>) | undefined;

  check(options: HealthCheckOptions = {}): Promise<HealthResponse> {
    return this.checkSource ? this.checkSource(options) : this.localCheck(options);
  }

  /** This process's indicators only. */
  async localCheck(options: HealthCheckOptions = {}): Promise<HealthResponse> {
    const all = this.names();
    const names = options.names ? all.filter((n) => options.names?.includes(n)) : all;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const results = await Promise.all(names.map((n) => this.#run(this.#indicators.get(n) as HealthIndicator, timeoutMs)));
    const components: Record<string, Health> = {};
    names.forEach((name, i) => {
      components[name] = results[i] as Health;
    });
    return { status: aggregateStatus(results.map((h) => h.status)), components };
  }

  async #run(indicator: HealthIndicator, timeoutMs: number): Promise<Health> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(indicator),
        new Promise<Health>((resolve) => {
          timer = setTimeout(
            () => resolve({ status: 'DOWN', details: { error: `timed out after ${timeoutMs} ms` } }),
            timeoutMs,
          );
        }),
      ]);
      // A user indicator may answer anything; a health without a known status is UNKNOWN, not a broken response.
      return isHealth(result) ? result : { status: 'UNKNOWN' };
    } catch (err) {
      return { status: 'DOWN', details: { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

function isHealth(value: unknown): value is Health {
  return typeof value === 'object' && value !== null && ORDER.includes((value as Health).status);
}

/** Spring's SimpleHttpCodeStatusMapper. */
export function httpStatusOf(status: HealthStatus): number {
  return status === 'DOWN' || status === 'OUT_OF_SERVICE' ? 503 : 200;
}
