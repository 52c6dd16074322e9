/**
 * SQL statements for spans, with literal values removed: strings, numbers, hex/bit/escape literals and dollar-quoted
 * bodies become `?`. Identifiers, keywords, placeholders (`?`, `$1`, `:name`) and comments are kept, so the
 * statement still says what ran, never with which data. Bind parameters are never read.
 *
 *   SELECT * FROM users WHERE email = 'a@b.c' AND id IN (1, 2.5e3, 0x1F)
 *   SELECT * FROM users WHERE email = ? AND id IN (?, ?, ?)
 *
 * A single pass over char codes, no regular expressions; results are cached per statement text (applications run
 * the same few hundred statements), bounded so a stream of distinct statements cannot grow memory.
 *
 * When in doubt it removes more: a backslash always escapes inside a string (MySQL does so; for PostgreSQL's
 * standard strings it can only make a literal look longer), and an unterminated literal swallows the rest.
 */

/** How quotes are read: `"…"` is a string in MySQL (default SQL mode) and an identifier elsewhere. @since 0.1.0 */
export type SqlDialect = 'postgresql' | 'mysql' | 'other';

const CACHE_LIMIT = 1_000;
const CACHEABLE_LENGTH = 4_096;
const caches: Record<SqlDialect, Map<string, string>> = { postgresql: new Map(), mysql: new Map(), other: new Map() };
const operations = new Map<string, string>();

const SQUOTE = 0x27; // '
const DQUOTE = 0x22; // "
const BACKTICK = 0x60;
const BACKSLASH = 0x5c;
const DOLLAR = 0x24;
const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const HASH = 0x23;
const DOT = 0x2e;
const NEWLINE = 0x0a;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Characters that continue an identifier (letters, digits, `_`, `$`, anything non-ASCII). */
function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigit(c) || c === 0x5f || c === DOLLAR || c >= 0x80;
}

/** Index just past the quoted literal opening at `start` (doubled quotes and backslashes escape). */
function skipQuoted(sql: string, start: number, quote: number): number {
  const n = sql.length;
  let i = start + 1;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === BACKSLASH) {
      i += 2;
    } else if (c === quote) {
      if (i + 1 < n && sql.charCodeAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return n;
}

/** Index just past a quoted identifier (`"x"` or `` `x` ``), doubled quotes escaping. */
function skipIdentifier(sql: string, start: number, quote: number): number {
  const n = sql.length;
  let i = start + 1;
  while (i < n) {
    if (sql.charCodeAt(i) === quote) {
      if (i + 1 < n && sql.charCodeAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return n;
}

/** PostgreSQL `$tag$…$tag$` at `start`: the index past its end, or -1 when `$` does not open one. */
function skipDollarQuoted(sql: string, start: number): number {
  const n = sql.length;
  let i = start + 1;
  while (i < n && sql.charCodeAt(i) !== DOLLAR) {
    const c = sql.charCodeAt(i);
    if (!isWordChar(c) || c === DOLLAR || (i === start + 1 && isDigit(c))) return -1;
    i++;
  }
  if (i >= n) return -1;
  const tag = sql.slice(start, i + 1);
  const end = sql.indexOf(tag, i + 1);
  return end === -1 ? n : end + tag.length;
}

/** Index past the number at `start` (digits, fraction, exponent), or past a hex/binary `0x…`/`0b…` literal. */
function skipNumber(sql: string, start: number): number {
  const n = sql.length;
  let i = start;
  const first = sql.charCodeAt(i);
  if (first === 0x30 && i + 2 < n) {
    const x = sql.charCodeAt(i + 1) | 0x20;
    if (x === 0x78 && isHexDigit(sql.charCodeAt(i + 2))) {
      i += 2;
      while (i < n && isHexDigit(sql.charCodeAt(i))) i++;
      return i;
    }
    if (x === 0x62 && (sql.charCodeAt(i + 2) === 0x30 || sql.charCodeAt(i + 2) === 0x31)) {
      i += 2;
      while (i < n && (sql.charCodeAt(i) === 0x30 || sql.charCodeAt(i) === 0x31)) i++;
      return i;
    }
  }
  while (i < n && isDigit(sql.charCodeAt(i))) i++;
  if (i < n && sql.charCodeAt(i) === DOT) {
    i++;
    while (i < n && isDigit(sql.charCodeAt(i))) i++;
  }
  if (i < n && (sql.charCodeAt(i) | 0x20) === 0x65) {
    let j = i + 1;
    const sign = sql.charCodeAt(j);
    if (sign === 0x2b || sign === DASH) j++;
    if (j < n && isDigit(sql.charCodeAt(j))) {
      i = j;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
    }
  }
  return i;
}

/** Letters that prefix a string literal: E'…' (escapes), N'…' (national), X'…' (hex), B'…' (bits). */
function isLiteralPrefix(c: number): boolean {
  const l = c | 0x20;
  return l === 0x65 || l === 0x6e || l === 0x78 || l === 0x62;
}

function scrub(sql: string, dialect: SqlDialect): string {
  const n = sql.length;
  let out = '';
  let copied = 0; // sql[copied, i) is still to be copied to out
  let i = 0;
  const replace = (from: number, to: number): void => {
    out += sql.slice(copied, from);
    out += '?';
    copied = to;
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    const prev = i > 0 ? sql.charCodeAt(i - 1) : 0;
    if (c === SQUOTE) {
      const end = skipQuoted(sql, i, SQUOTE);
      replace(i, end);
      i = end;
    } else if (c === DQUOTE) {
      const end = dialect === 'mysql' ? skipQuoted(sql, i, DQUOTE) : skipIdentifier(sql, i, DQUOTE);
      if (dialect === 'mysql') replace(i, end);
      i = end;
    } else if (c === BACKTICK) {
      i = skipIdentifier(sql, i, BACKTICK);
    } else if (c === DASH && sql.charCodeAt(i + 1) === DASH) {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol;
    } else if (c === HASH && dialect === 'mysql') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol;
    } else if (c === SLASH && sql.charCodeAt(i + 1) === STAR) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (c === DOLLAR && !isWordChar(prev)) {
      if (isDigit(sql.charCodeAt(i + 1))) {
        // $1: a placeholder
        i++;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
      } else {
        const end = dialect === 'mysql' ? -1 : skipDollarQuoted(sql, i);
        if (end === -1) {
          i++;
        } else {
          replace(i, end);
          i = end;
        }
      }
    } else if ((isDigit(c) || (c === DOT && isDigit(sql.charCodeAt(i + 1)))) && !isWordChar(prev)) {
      const end = skipNumber(sql, i);
      if (end < n && isWordChar(sql.charCodeAt(end))) {
        // MySQL allows identifiers that start with digits (`1st_quarter`): keep the whole word.
        i = end;
        while (i < n && isWordChar(sql.charCodeAt(i))) i++;
      } else {
        replace(i, end);
        i = end;
      }
    } else if (isLiteralPrefix(c) && !isWordChar(prev) && sql.charCodeAt(i + 1) === SQUOTE) {
      const end = skipQuoted(sql, i + 1, SQUOTE);
      replace(i, end);
      i = end;
    } else if ((c | 0x20) === 0x75 && !isWordChar(prev) && sql.charCodeAt(i + 1) === 0x26 && sql.charCodeAt(i + 2) === SQUOTE) {
      // U&'…': a Unicode-escaped string (PostgreSQL)
      const end = skipQuoted(sql, i + 2, SQUOTE);
      replace(i, end);
      i = end;
    } else if (isWordChar(c)) {
      // A whole identifier or keyword at once, so digits inside names (t1, col_2) stay.
      i++;
      while (i < n && isWordChar(sql.charCodeAt(i))) i++;
    } else {
      i++;
    }
  }
  return copied === 0 ? sql : out + sql.slice(copied);
}

/**
 * The statement with every literal value replaced by `?`.
 * @since 0.1.0
 */
export function sanitizeSql(sql: string, dialect: SqlDialect = 'other'): string {
  if (sql.length > CACHEABLE_LENGTH) return scrub(sql, dialect);
  const cache = caches[dialect];
  let clean = cache.get(sql);
  if (clean === undefined) {
    clean = scrub(sql, dialect);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(sql, clean);
  }
  return clean;
}

/**
 * The statement's operation, upper-cased: its first keyword after whitespace, comments and opening parentheses
 * (`SELECT`, `INSERT`, `WITH`, `BEGIN`…); `QUERY` when there is none.
 * @since 0.1.0
 */
export function sqlOperation(sql: string): string {
  let op = operations.get(sql);
  if (op === undefined) {
    op = firstKeyword(sql);
    if (operations.size >= CACHE_LIMIT) operations.clear();
    if (sql.length <= CACHEABLE_LENGTH) operations.set(sql, op);
  }
  return op;
}

function firstKeyword(sql: string): string {
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === NEWLINE || c === 0x0d || c === 0x28) {
      i++;
    } else if (c === DASH && sql.charCodeAt(i + 1) === DASH) {
      const eol = sql.indexOf('\n', i);
      if (eol === -1) return 'QUERY';
      i = eol + 1;
    } else if (c === SLASH && sql.charCodeAt(i + 1) === STAR) {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) return 'QUERY';
      i = end + 2;
    } else {
      break;
    }
  }
  let j = i;
  while (j < n && j - i < 32) {
    const l = sql.charCodeAt(j) | 0x20;
    if (l < 0x61 || l > 0x7a) break;
    j++;
  }
  return j === i ? 'QUERY' : sql.slice(i, j).toUpperCase();
}
