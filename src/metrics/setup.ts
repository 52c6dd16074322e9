/**
 * The runtime binders as one integration: each enabled binder is bound to the registry and unbound at shutdown, in
 * the order of RUNTIME_BINDERS. A binder that fails to bind is reported (Warnings.BINDER_BIND_FAILED) and left out; the others run.
 */
import { basename } from 'node:path';
import type { Diag } from '../core/diag.js';
import type { Integration } from '../core/integration.js';
import { Warnings } from '../core/warnings.js';
import type { BinderContext } from './binder.js';
import { RUNTIME_BINDERS } from './binders/index.js';
import type { ResolvedMetricsConfig } from './options.js';
import type { MeterRegistry } from './registry.js';

/** What the runtime binders need. */
export interface RuntimeMetricsDeps {
  readonly options: ResolvedMetricsConfig;
  readonly registry: MeterRegistry;
  readonly diag: Diag;
}

export const RUNTIME_METRICS: Integration<RuntimeMetricsDeps> = {
  name: 'runtime metrics',
  setup({ options, registry, diag }, closers) {
    if (!options.enabled) return {};
    const context: BinderContext = {
      diag,
      diskSpacePaths: options.diskSpacePaths,
      eventLoopResolutionMs: options.eventLoopResolutionMs,
      mainApplicationClass: process.argv[1] ? basename(process.argv[1]) : 'node',
      instrumentedAt: Date.now(),
    };
    for (const binder of RUNTIME_BINDERS) {
      if (!options.binders[binder.name]) continue;
      try {
        closers.add(`binder ${binder.name}`, binder.bindTo(registry, context));
      } catch (err) {
        diag.warn(Warnings.BINDER_BIND_FAILED, { binder: binder.name, error: err }, binder.name);
      }
    }
    return {};
  },
};
