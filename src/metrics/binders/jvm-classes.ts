/**
 * ClassLoaderMetrics (Micrometer `binder/jvm/ClassLoaderMetrics`): `jvm_classes_loaded_classes` and
 * `jvm_classes_unloaded_classes_total`, mapped to modules: a JavaScript module is what Node loads and links the
 * way the JVM loads classes.
 *
 * loaded   = CommonJS modules in `require.cache` (one cache for the whole process). ECMAScript modules have no public
 *            registry in Node, so an application written as ESM reports only the CommonJS modules it pulls in.
 * unloaded = modules that left `require.cache` (hot reload deletes entries), counted from scrape to scrape.
 *
 * Several community Spring dashboards (10280, 6756) take their `instance` variable from jvm_classes_loaded_classes,
 * so without this series none of their panels would show a Node service.
 */
import { createRequire } from 'node:module';
import type { MeterBinder } from '../binder.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const jvmClassesMetricNames = ['jvm_classes_loaded_classes', 'jvm_classes_unloaded_classes_total'] as const;

/** Loaded and unloaded modules as JVM classes. @since 0.1.0 */
export const jvmClassesBinder: MeterBinder = {
  name: 'jvm-classes',
  bindTo(registry) {
    const cache = createRequire(`${process.cwd()}/`).cache;
    let last = Object.keys(cache).length;
    let unloaded = 0;
    const sample = (): number => {
      const now = Object.keys(cache).length;
      if (now < last) unloaded += last - now;
      last = now;
      return now;
    };
    const loaded = registry.gauge('jvm.classes.loaded', {
      baseUnit: 'classes',
      description: 'The number of modules currently loaded (CommonJS modules in require.cache)',
      collect: (g) => g.set(sample()),
    });
    const unloadedCounter = registry.functionCounter('jvm.classes.unloaded', {
      baseUnit: 'classes',
      description: 'The number of modules removed from require.cache since the metrics were bound',
      read: (emit) => {
        sample();
        emit(unloaded);
      },
    });
    return () => {
      registry.remove(loaded);
      registry.remove(unloadedCounter);
    };
  },
};
