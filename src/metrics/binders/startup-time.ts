/**
 * StartupTimeMetricsListener (Spring Boot `metrics/startup`): `application_started_time_seconds` and
 * `application_ready_time_seconds`, labelled `main_application_class`.
 *
 * started: seconds from process start (`performance.timeOrigin`) to `instrument()` (the context's instrumentedAt),
 *          as Boot measures to ApplicationStartedEvent.
 * ready:   seconds from process start to the first turn of the event loop after bind (a setImmediate), when the
 *          code that ran alongside `instrument()` has finished, as Boot measures to ApplicationReadyEvent. Like
 *          Boot's, this gauge appears only once the application is ready.
 */
import { performance } from 'node:perf_hooks';
import type { MeterBinder } from '../binder.js';
import type { Gauge } from '../gauge.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const startupTimeMetricNames = ['application_started_time_seconds', 'application_ready_time_seconds'] as const;

/** Application started and ready times. @since 0.1.0 */
export const startupTimeBinder: MeterBinder = {
  name: 'startup-time',
  bindTo(registry, context) {
    const labels = { main_application_class: context.mainApplicationClass };
    const started = registry.gauge('application.started.time', {
      baseUnit: 'seconds',
      description: 'Time taken to start the application',
      labelNames: ['main_application_class'],
    });
    started.set(labels, Math.max(0, (context.instrumentedAt - performance.timeOrigin) / 1000));

    let ready: Gauge | undefined;
    let immediate: NodeJS.Immediate | undefined = setImmediate(() => {
      immediate = undefined;
      // performance.now() counts from timeOrigin on a monotonic clock.
      const seconds = performance.now() / 1000;
      ready = registry.gauge('application.ready.time', {
        baseUnit: 'seconds',
        description: 'Time taken for the application to be ready to service requests',
        labelNames: ['main_application_class'],
      });
      ready.set(labels, seconds);
    });

    return () => {
      if (immediate !== undefined) clearImmediate(immediate);
      immediate = undefined;
      registry.remove(started);
      if (ready !== undefined) registry.remove(ready);
      ready = undefined;
    };
  },
};
