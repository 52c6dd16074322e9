/**
 * FileDescriptorMetrics (Micrometer `binder/system/FileDescriptorMetrics`): `process_files_open_files` and
 * `process_files_max_files`, read from Linux procfs. Elsewhere (no readable /proc/self/fd) nothing is registered.
 *
 * Open files are the entries of /proc/self/fd; the listing itself holds one descriptor while it runs, as
 * `ls /proc/self/fd` would count its own, so the value may be one above what the application holds.
 * The maximum is the soft limit of "Max open files" in /proc/self/limits; when it is "unlimited" the series is
 * not registered. A read that fails at scrape time leaves the series out of that scrape (Warnings.BINDER_SOURCE_FAILED).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Warnings } from '../../core/warnings.js';
import type { MeterBinder } from '../binder.js';

/** Prometheus series names this binder can emit. @since 0.1.0 */
export const fileDescriptorsMetricNames = ['process_files_open_files', 'process_files_max_files'] as const;

const FD_DIR = '/proc/self/fd';
const LIMITS = '/proc/self/limits';

/** The soft "Max open files" limit; undefined when unlimited or unreadable. */
function readMaxFiles(): number | undefined {
  const text = readFileSync(LIMITS, 'latin1');
  const at = text.indexOf('Max open files');
  if (at < 0) return undefined;
  const soft = text.slice(at + 'Max open files'.length).trimStart().split(/\s+/, 1)[0];
  if (soft === undefined || soft === 'unlimited') return undefined;
  const n = Number(soft);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Open and maximum file descriptors (Linux). @since 0.1.0 */
export const fileDescriptorsBinder: MeterBinder = {
  name: 'file-descriptors',
  bindTo(registry, context) {
    try {
      readdirSync(FD_DIR);
    } catch {
      return () => {};
    }
    let hasMax = false;
    try {
      hasMax = readMaxFiles() !== undefined;
    } catch {
      hasMax = false;
    }

    const failed = (what: string, err: unknown): void => {
      const code = (err as NodeJS.ErrnoException | undefined)?.code ?? String(err);
      context.diag.warn(
        Warnings.BINDER_SOURCE_FAILED,
        { binder: 'file-descriptors', problem: `reading ${what} failed (${code}); the series is left out of this scrape` },
        `file-descriptors:${what}`,
      );
    };

    const open = registry.gauge('process.files.open', {
      baseUnit: 'files',
      description: 'The open file descriptor count',
      collect: (g) => {
        try {
          g.set(readdirSync(FD_DIR).length);
        } catch (err) {
          failed(FD_DIR, err);
          g.remove({});
        }
      },
    });

    const max = hasMax
      ? registry.gauge('process.files.max', {
          baseUnit: 'files',
          description: 'The maximum file descriptor count',
          collect: (g) => {
            let value: number | undefined;
            try {
              value = readMaxFiles();
            } catch (err) {
              failed(LIMITS, err);
            }
            if (value === undefined) g.remove({});
            else g.set(value);
          },
        })
      : undefined;

    return () => {
      registry.remove(open);
      if (max) registry.remove(max);
    };
  },
};
