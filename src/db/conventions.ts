/**
 * The convention of database query observations: spans only. A span is named `<operation> <database>`
 * (`SELECT orders`, as OTel's database span names), tagged `db.system`, `db.operation`, `db.name` and the
 * sanitized `db.statement`, with the database system as remote service (`peer.service`, Zipkin's remote endpoint).
 *
 * `meters: false`: the meter handler records no timer for queries. Spring has no per-query meter either (the pool's
 * `hikaricp_connections_usage_seconds` is the time a connection was held), and a statement-shaped timer would be
 * a new, high-cardinality family.
 */
import type { KeyValues, ObservationConvention } from '../observation/convention.js';
import type { DbQueryContext } from './context.js';
import { sanitizeSql, sqlOperation } from './sanitize.js';
import {
  ATTR_DB_NAME,
  ATTR_DB_OPERATION,
  ATTR_DB_STATEMENT,
  ATTR_DB_SYSTEM,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from './semconv.js';

function operationOf(ctx: DbQueryContext): string {
  let op = ctx.operation;
  if (op === undefined) {
    op = sqlOperation(ctx.statement);
    ctx.operation = op;
  }
  return op;
}

/** @since 0.1.0 */
export class DbQueryConvention implements ObservationConvention<DbQueryContext> {
  readonly meters = false;
  readonly description = 'Database queries';
  readonly lowCardinalityKeyNames = [ATTR_DB_SYSTEM, ATTR_DB_OPERATION] as const;

  constructor(readonly name = 'db.query') {}

  lowCardinalityValues(ctx: DbQueryContext, out: string[]): void {
    out[0] = ctx.target.system;
    out[1] = operationOf(ctx);
  }

  /** Computed only for spans that are recorded, so unsampled queries never pay for sanitizing. */
  highCardinality(ctx: DbQueryContext): KeyValues {
    const target = ctx.target;
    const tags: KeyValues = { [ATTR_DB_STATEMENT]: sanitizeSql(ctx.statement, target.dialect) };
    if (target.database !== undefined) tags[ATTR_DB_NAME] = target.database;
    if (target.host !== undefined) tags[ATTR_SERVER_ADDRESS] = target.host;
    if (target.port !== undefined) tags[ATTR_SERVER_PORT] = String(target.port);
    return tags;
  }

  /** Asked when the span starts and again when it ends: built once. */
  contextualName(ctx: DbQueryContext): string {
    let name = ctx.name;
    if (name === undefined) {
      const op = operationOf(ctx);
      name = ctx.target.database ? `${op} ${ctx.target.database}` : op;
      ctx.name = name;
    }
    return name;
  }
}

/** The shared default instance. */
export const DB_QUERY_CONVENTION = new DbQueryConvention();
