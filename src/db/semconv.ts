/**
 * OpenTelemetry semantic-convention names for database client spans, copied here (as the OTel docs advise for
 * incubating names) rather than depending on the semconv package. Values of `db.system` are OTel's.
 */

export const ATTR_DB_SYSTEM = 'db.system';
export const ATTR_DB_NAME = 'db.name';
export const ATTR_DB_OPERATION = 'db.operation';
export const ATTR_DB_STATEMENT = 'db.statement';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';

export const DB_SYSTEM_POSTGRESQL = 'postgresql';
export const DB_SYSTEM_MYSQL = 'mysql';
