/** The observation context of one database query (a CLIENT span; no meters, see DbQueryConvention). */
import { ObservationContext } from '../observation/context.js';
import type { ObservationConvention } from '../observation/convention.js';
import type { SqlDialect } from './sanitize.js';

/** What is known of the database behind a pool; one object per bound pool, shared by its queries. @since 0.1.0 */
export interface DbTarget {
  /** OTel `db.system`: `postgresql`, `mysql`… */
  readonly system: string;
  /** How the sanitizer reads quotes. */
  readonly dialect: SqlDialect;
  /** The database (schema) name, when the driver's configuration names one. */
  database: string | undefined;
  host: string | undefined;
  port: number | undefined;
  /** The pool's name (the `pool` tag of its metrics). */
  readonly pool: string;
}

/** @since 0.1.0 */
export class DbQueryContext extends ObservationContext {
  readonly kind = 'client' as const;
  /** The statement's first keyword and the span name, set by the convention the first time they are asked for. */
  operation: string | undefined = undefined;
  name: string | undefined = undefined;

  constructor(
    /** The statement as the application wrote it (placeholders, never bind values); sanitized for spans. */
    readonly statement: string,
    readonly target: DbTarget,
    readonly convention: ObservationConvention<DbQueryContext>,
  ) {
    super();
    this.remoteServiceName = target.system;
  }
}
