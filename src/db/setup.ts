/**
 * DB pools as one integration: `nm.db.bind(pool)`. Each binding becomes a shutdown step when it is made, so pools
 * bound later are unbound first; a bind after shutdown does nothing.
 */
import type { Integration } from '../core/integration.js';
import type { Unbind } from '../metrics/binder.js';
import type { DbDeps } from './binding.js';
import { bindPool, type DbBindOptions } from './index.js';

/** Database pools (`nm.db`). @since 0.2.0 */
export interface DbInstrumentation {
  /** Binds a pool: `nm.db.bind(pool, { name })` → hikaricp_* series, `db` health, query spans. */
  bind(pool: unknown, options?: DbBindOptions): Unbind;
}

export const DB: Integration<DbDeps, { readonly db: DbInstrumentation }> = {
  name: 'db',
  setup(deps, closers) {
    const db: DbInstrumentation = {
      bind(pool, options) {
        if (closers.isShutDown) return () => {};
        const unbind = bindPool(deps, pool, options);
        closers.add('db pool', unbind);
        return unbind;
      },
    };
    return { handle: { db } };
  },
};
