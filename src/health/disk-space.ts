/**
 * The `diskSpace` indicator, as Spring Boot's DiskSpaceHealthIndicator: DOWN when the usable space of the path is
 * below the threshold (10 MiB, as `management.health.diskspace.threshold`). The path is the working directory as
 * Java's `new File(".").getAbsolutePath()` writes it (`/app/.`). statfs runs asynchronously, off the event loop.
 * A path that does not exist is DOWN with `exists: false`, as Spring.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Health, HealthIndicator } from './registry.js';

/** Spring's default threshold: 10 MiB. */
export const DISK_SPACE_THRESHOLD = 10 * 1024 * 1024;

/** An indicator for one path (relative paths are resolved against the working directory now). @since 0.3.0 */
export function diskSpaceIndicator(dir = '.', threshold = DISK_SPACE_THRESHOLD): HealthIndicator {
  const absolute = path.isAbsolute(dir) ? dir : `${process.cwd()}${path.sep}${dir}`;
  return async (): Promise<Health> => {
    let s: Awaited<ReturnType<typeof fs.statfs>>;
    try {
      s = await fs.statfs(absolute);
    } catch {
      return { status: 'DOWN', details: { total: 0, free: 0, threshold, path: absolute, exists: false } };
    }
    const free = s.bavail * s.bsize;
    const total = s.blocks * s.bsize;
    return { status: free >= threshold ? 'UP' : 'DOWN', details: { total, free, threshold, path: absolute, exists: true } };
  };
}
