/**
 * DiskSpaceMetrics (Micrometer `binder/jvm/DiskSpaceMetrics`, bound by Spring Boot's DiskSpaceMetricsBinder):
 * `disk_free_bytes{path}` and `disk_total_bytes{path}`, from `fs.statfsSync` (free = bavail × bsize, the space
 * this user can still write, as Java's `getUsableSpace()`; total = blocks × bsize).
 *
 * The `path` label is what Java's `File.getAbsolutePath()` gives: absolute paths as configured, relative ones
 * appended to the working directory at bind time, unnormalised (`.` → `/app/.`, as in Boot's default). The
 * absolute path is also what gets stat'ed, so a later `process.chdir()` does not move the measurement.
 *
 * A path that cannot be stat'ed (missing, no permission) warns once (Warnings.DISK_PATH_UNREADABLE) and its series are left out; it is
 * tried again at each scrape, so a volume mounted later appears. Other paths are unaffected.
 * statfs is a blocking system call, like Java's; on a hung network mount it blocks the scrape's turn of the loop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Warnings } from '../../core/warnings.js';
import type { MeterBinder } from '../binder.js';
import type { GaugeChild } from '../gauge.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const diskSpaceMetricNames = ['disk_free_bytes', 'disk_total_bytes'] as const;

interface Watched {
  readonly label: string;
  readonly labels: { path: string };
  free: GaugeChild | undefined;
  total: GaugeChild | undefined;
}

/** As Java's File.getAbsolutePath(): absolute paths unchanged, relative ones prefixed with the working directory. */
function absolutePath(p: string): string {
  return path.isAbsolute(p) ? p : `${process.cwd()}${path.sep}${p}`;
}

/** Free and total disk space per configured path. @since 0.1.0 */
export const diskSpaceBinder: MeterBinder = {
  name: 'disk-space',
  bindTo(registry, context) {
    if (typeof fs.statfsSync !== 'function' || context.diskSpacePaths.length === 0) return () => {};
    const watched: Watched[] = [];
    const seen = new Set<string>();
    for (const p of context.diskSpacePaths) {
      const label = absolutePath(p);
      if (seen.has(label)) continue;
      seen.add(label);
      watched.push({ label, labels: { path: label }, free: undefined, total: undefined });
    }

    const sample = (w: Watched): fs.StatsFs | undefined => {
      try {
        return fs.statfsSync(w.label);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException | undefined)?.code ?? String(err);
        context.diag.warn(Warnings.DISK_PATH_UNREADABLE, { path: w.label, code }, w.label);
        return undefined;
      }
    };

    // One statfs per path per scrape: free's collect sets both gauges. Free is registered first, so it is collected
    // first; the total gauge has no collect of its own.
    const free = registry.gauge('disk.free', {
      baseUnit: 'bytes',
      description: 'Usable space for path',
      labelNames: ['path'],
      collect: (g) => {
        for (const w of watched) {
          const s = sample(w);
          if (s === undefined) {
            if (w.free !== undefined) {
              g.remove(w.labels);
              total.remove(w.labels);
              w.free = undefined;
              w.total = undefined;
            }
            continue;
          }
          w.free ??= g.child(w.labels);
          w.total ??= total.child(w.labels);
          w.free.set(s.bavail * s.bsize);
          w.total.set(s.blocks * s.bsize);
        }
      },
    });
    const total = registry.gauge('disk.total', {
      baseUnit: 'bytes',
      description: 'Total space for path',
      labelNames: ['path'],
    });

    // Bind-time check, so a bad path is reported at startup rather than at the first scrape.
    for (const w of watched) sample(w);

    return () => {
      registry.remove(free);
      registry.remove(total);
    };
  },
};
