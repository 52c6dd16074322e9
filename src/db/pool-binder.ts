/**
 * HikariCP's meters for any connection pool, as HikariCP's MicrometerMetricsTracker registers them, so Spring
 * dashboards and alerts work unchanged. Every series is tagged `pool=<name>`.
 *
 *   gauges   hikaricp_connections, _active, _idle, _pending, _max, _min     read from the pool at each scrape
 *   counter  hikaricp_connections_timeout_total                             counted by the driver adapter
 *   timers   hikaricp_connections_acquire_seconds, _usage_seconds,          recorded by the driver adapter
 *            _creation_seconds (summary + `_max`)
 *
 * The meters of one registry are shared by all pools bound to it: one gauge family `hikaricp_connections` holds a
 * series per pool. Unbinding a pool removes its series (`gauge.remove({pool})`, its timeout series, its timer
 * series where the timer can drop one series) and removes the meters themselves with the last pool. The pool is the
 * caller's: the binder only reads it.
 *
 * Hot paths (per acquire, per release) use the TimerChild objects cached here, one per pool and timer; after
 * unbind they are no-ops, so an adapter's late callback records nothing and needs no check.
 */
import type { FunctionCounter } from '../metrics/function-counter.js';
import type { Gauge } from '../metrics/gauge.js';
import { NOOP_TIMER } from '../metrics/noop.js';
import type { Meter, MeterRegistry } from '../metrics/registry.js';
import type { Labels } from '../metrics/family.js';
import type { Timer, TimerChild } from '../metrics/timer.js';
import type { Unbind } from '../metrics/binder.js';

/** Micrometer names of HikariCP's meters (HikariCP `MicrometerMetricsTracker`). @since 0.1.0 */
export const hikariMetricNames = {
  connections: 'hikaricp.connections',
  active: 'hikaricp.connections.active',
  idle: 'hikaricp.connections.idle',
  pending: 'hikaricp.connections.pending',
  max: 'hikaricp.connections.max',
  min: 'hikaricp.connections.min',
  timeout: 'hikaricp.connections.timeout',
  acquire: 'hikaricp.connections.acquire',
  usage: 'hikaricp.connections.usage',
  creation: 'hikaricp.connections.creation',
} as const;

/** The exact descriptions HikariCP gives its meters (`# HELP`). */
const DESCRIPTIONS = {
  connections: 'Total connections',
  active: 'Active connections',
  idle: 'Idle connections',
  pending: 'Pending threads',
  max: 'Max connections',
  min: 'Min connections',
  timeout: 'Connection timeout total count',
  acquire: 'Connection acquire time',
  usage: 'Connection usage time',
  creation: 'Connection creation time',
} as const;

/** The tag HikariCP puts on every meter (`METRIC_CATEGORY`). */
export const POOL_TAG = 'pool';

/**
 * What a pool adapter reads from its pool at each scrape. A method may return undefined when the pool cannot tell
 * (the series is then left out), and must not throw for a pool in any state (ending, ended).
 * @since 0.1.0
 */
export interface PoolStats {
  /** Connections open or opening (HikariCP `getTotalConnections`). */
  total(): number | undefined;
  /** Connections checked out (`getActiveConnections`). */
  active(): number | undefined;
  /** Connections open and waiting in the pool (`getIdleConnections`). */
  idle(): number | undefined;
  /** Requests waiting for a connection (`getThreadsAwaitingConnection`). */
  pending(): number | undefined;
  /** The pool's size limit (`maximumPoolSize`). */
  max(): number | undefined;
  /** The connections the pool keeps open at least (`minimumIdle`). */
  min(): number | undefined;
}

type StatName = keyof PoolStats;
const GAUGES: readonly StatName[] = ['total', 'active', 'idle', 'pending', 'max', 'min'];
const GAUGE_METER: Record<StatName, keyof typeof hikariMetricNames> = {
  total: 'connections',
  active: 'active',
  idle: 'idle',
  pending: 'pending',
  max: 'max',
  min: 'min',
};

/** The meters of one registry, shared by the pools bound to it. */
interface Shared {
  readonly pools: Map<string, HikariPoolBinder>;
  readonly gauges: readonly Gauge[];
  readonly timeout: FunctionCounter;
  readonly acquire: Timer;
  readonly usage: Timer;
  readonly creation: Timer;
}

const sharedByRegistry = new WeakMap<MeterRegistry, Shared>();

const NOOP_CHILD: TimerChild = NOOP_TIMER.child({});

function sharedOf(registry: MeterRegistry): Shared {
  let shared = sharedByRegistry.get(registry);
  if (shared !== undefined) return shared;
  const pools = new Map<string, HikariPoolBinder>();
  const labelNames = [POOL_TAG];
  const gauges = GAUGES.map((stat) =>
    registry.gauge(hikariMetricNames[GAUGE_METER[stat]], {
      description: DESCRIPTIONS[GAUGE_METER[stat]],
      labelNames,
      collect: (gauge) => {
        for (const binder of pools.values()) binder.collect(gauge, stat);
      },
    }),
  );
  shared = {
    pools,
    gauges,
    timeout: registry.functionCounter(hikariMetricNames.timeout, {
      description: DESCRIPTIONS.timeout,
      labelNames,
      read: (emit) => {
        for (const binder of pools.values()) emit(binder.timeouts, binder.labels);
      },
    }),
    acquire: registry.timer(hikariMetricNames.acquire, { description: DESCRIPTIONS.acquire, labelNames }),
    usage: registry.timer(hikariMetricNames.usage, { description: DESCRIPTIONS.usage, labelNames }),
    creation: registry.timer(hikariMetricNames.creation, { description: DESCRIPTIONS.creation, labelNames }),
  };
  sharedByRegistry.set(registry, shared);
  return shared;
}

/** True when a pool of this name is bound to the registry (its series would collide). @since 0.1.0 */
export function isPoolNameBound(registry: MeterRegistry, name: string): boolean {
  return sharedByRegistry.get(registry)?.pools.has(name) ?? false;
}

/** Drops one series of a timer, where the timer implementation can (it is kept until the last pool otherwise). */
function removeSeries(timer: Timer, labels: Labels): void {
  const removable = timer as Timer & { remove?: (labels: Labels) => void };
  if (typeof removable.remove === 'function') removable.remove(labels);
}

/**
 * The HikariCP meters of one pool. Adapters record through `acquire`, `usage`, `creation` and `timeout()`;
 * before `bindTo` and after unbind these record nothing.
 * @since 0.1.0
 */
export class HikariPoolBinder {
  readonly labels: Readonly<Labels>;
  /** Connection acquire time (HikariCP: from `getConnection()` until a connection is handed over, or timed out). */
  acquire: TimerChild = NOOP_CHILD;
  /** Connection usage time (from checkout until the connection is given back). */
  usage: TimerChild = NOOP_CHILD;
  /** Connection creation time (opening one physical connection, successful or not). */
  creation: TimerChild = NOOP_CHILD;
  /** Requests that got no connection in time. */
  timeouts = 0;
  #bound = false;
  #failedStats = new Set<StatName>();
  readonly #onStatError: ((stat: string, err: unknown) => void) | undefined;

  constructor(
    readonly poolName: string,
    readonly stats: PoolStats,
    onStatError?: (stat: string, err: unknown) => void,
  ) {
    this.labels = Object.freeze({ [POOL_TAG]: poolName });
    this.#onStatError = onStatError;
  }

  /** Counts one acquire that timed out. */
  timeout(): void {
    if (this.#bound) this.timeouts++;
  }

  /** Sets this pool's series of one gauge (called at scrape time). A failing read leaves that series out. */
  collect(gauge: Gauge, stat: StatName): void {
    let value: number | undefined;
    try {
      value = this.stats[stat]();
    } catch (err) {
      if (!this.#failedStats.has(stat)) {
        this.#failedStats.add(stat);
        this.#onStatError?.(stat, err);
      }
      value = undefined;
    }
    if (value === undefined || !Number.isFinite(value)) gauge.remove(this.labels);
    else gauge.set(this.labels, value);
  }

  /** Registers this pool's series (and the shared meters, for the first pool of the registry). */
  bindTo(registry: MeterRegistry): Unbind {
    if (this.#bound) throw new Error(`pool ${this.poolName} is already bound`);
    const shared = sharedOf(registry);
    shared.pools.set(this.poolName, this);
    this.acquire = shared.acquire.child(this.labels);
    this.usage = shared.usage.child(this.labels);
    this.creation = shared.creation.child(this.labels);
    this.#bound = true;
    let unbound = false;
    return () => {
      if (unbound) return;
      unbound = true;
      this.#bound = false;
      this.acquire = NOOP_CHILD;
      this.usage = NOOP_CHILD;
      this.creation = NOOP_CHILD;
      if (shared.pools.get(this.poolName) === this) shared.pools.delete(this.poolName);
      for (const gauge of shared.gauges) gauge.remove(this.labels);
      for (const timer of [shared.acquire, shared.usage, shared.creation]) removeSeries(timer, this.labels);
      if (shared.pools.size === 0) {
        const meters: Meter[] = [...shared.gauges, shared.timeout, shared.acquire, shared.usage, shared.creation];
        for (const meter of meters) registry.remove(meter);
        if (sharedByRegistry.get(registry) === shared) sharedByRegistry.delete(registry);
      }
    };
  }
}
