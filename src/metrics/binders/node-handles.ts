/**
 * Active libuv resources, Node-only facts kept under prom-client's names (`lib/metrics/processResources.js`,
 * `processHandles.js`): `nodejs_active_resources{type}`, `nodejs_active_resources_total` and
 * `nodejs_active_handles_total`, all from the documented `process.getActiveResourcesInfo()` (one type string per
 * resource keeping the loop alive: TCPServerWrap, TCPSocketWrap, Timeout, FSReqCallback, …).
 *
 * prom-client's per-type `nodejs_active_handles{type}` and `nodejs_active_requests*` walk the undocumented
 * `process._getActiveHandles()`/`_getActiveRequests()`; they are not emitted. `nodejs_active_handles_total` counts
 * the resources that are not requests, requests being recognised by their type name (`*Req*`, and the stream
 * requests ConnectWrap, WriteWrap/SimpleWriteWrap, ShutdownWrap, SendWrap, Query*Wrap).
 * A type once seen keeps its series, at 0 when it has no resource left, so series do not come and go.
 * Unref'd handles and timers do not keep the loop alive and are not listed.
 */
import { Warnings } from '../../core/warnings.js';
import type { MeterBinder } from '../binder.js';
import type { GaugeChild } from '../gauge.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const nodeHandlesMetricNames = [
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'nodejs_active_handles_total',
] as const;

const REQUEST_TYPE = /Req|^(?:Simple)?(?:Connect|Write|Shutdown|Send)Wrap$|^Query\w*Wrap$/;

interface TypeCount {
  child: GaugeChild;
  count: number;
}

/** Active libuv resources by type. @since 0.1.0 */
export const nodeHandlesBinder: MeterBinder = {
  name: 'node-handles',
  bindTo(registry, context) {
    if (typeof process.getActiveResourcesInfo !== 'function') return () => {};
    const types = new Map<string, TypeCount>();
    const isRequest = new Map<string, boolean>();
    let total = 0;
    let handles = 0;

    // Registered first: its collect reads the resources once and feeds the two totals below.
    const byType = registry.gauge('nodejs.active.resources', {
      description:
        'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.',
      labelNames: ['type'],
      collect: (g) => {
        let info: string[];
        try {
          info = process.getActiveResourcesInfo();
        } catch (err) {
          context.diag.warn(
            Warnings.BINDER_SOURCE_FAILED,
            { binder: 'node-handles', problem: `reading active resources failed, the series are left out: ${String(err)}` },
            'node-handles',
          );
          g.reset();
          types.clear();
          total = handles = Number.NaN;
          return;
        }
        for (const t of types.values()) t.count = 0;
        handles = 0;
        for (const type of info) {
          let t = types.get(type);
          if (t === undefined) {
            t = { child: g.child({ type }), count: 0 };
            types.set(type, t);
            isRequest.set(type, REQUEST_TYPE.test(type));
          }
          t.count++;
          if (isRequest.get(type) === false) handles++;
        }
        total = info.length;
        for (const t of types.values()) t.child.set(t.count);
      },
    });
    const resourcesTotal = registry.gauge('nodejs.active.resources.total', {
      description: 'Total number of active resources.',
      collect: (g) => (Number.isNaN(total) ? g.remove({}) : g.set(total)),
    });
    const handlesTotal = registry.gauge('nodejs.active.handles.total', {
      description: 'Total number of active handles (active resources that are not requests).',
      collect: (g) => (Number.isNaN(handles) ? g.remove({}) : g.set(handles)),
    });

    return () => {
      registry.remove(byType);
      registry.remove(resourcesTotal);
      registry.remove(handlesTotal);
    };
  },
};
