import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sanitizeSql, sqlOperation, type SqlDialect } from '../../../src/db/sanitize.js';

const cases: [SqlDialect, string, string][] = [
  // strings, with both escape styles
  ['other', "SELECT * FROM users WHERE email = 'a@b.c'", 'SELECT * FROM users WHERE email = ?'],
  ['other', "SELECT 'it''s', 'x'", 'SELECT ?, ?'],
  ['mysql', "SELECT 'it\\'s a secret'", 'SELECT ?'],
  ['postgresql', "SELECT E'line\\nbreak', N'nat', X'1F', B'0101', U&'d\\0061t'", 'SELECT ?, ?, ?, ?, ?'],
  // numbers in every shape, identifiers with digits untouched
  ['other', 'SELECT c1, t2.col_3 FROM t1 WHERE a = 42 AND b = -3.5 AND c > .25 AND d < 1e-3 AND e = 6.02E23', 'SELECT c1, t2.col_3 FROM t1 WHERE a = ? AND b = -? AND c > ? AND d < ? AND e = ?'],
  ['mysql', 'SELECT 0x1F, 0b101, 1st_quarter FROM q', 'SELECT ?, ?, 1st_quarter FROM q'],
  ['other', 'SELECT * FROM t WHERE id IN (1, 2, 3) LIMIT 10 OFFSET 20', 'SELECT * FROM t WHERE id IN (?, ?, ?) LIMIT ? OFFSET ?'],
  // placeholders stay
  ['postgresql', 'SELECT $1::int, $2 FROM t WHERE x = $10', 'SELECT $1::int, $2 FROM t WHERE x = $10'],
  ['mysql', 'INSERT INTO t (a, b) VALUES (?, ?)', 'INSERT INTO t (a, b) VALUES (?, ?)'],
  ['other', 'SELECT * FROM t WHERE a = :name AND b = @p1', 'SELECT * FROM t WHERE a = :name AND b = @p1'],
  // quotes: identifiers in PostgreSQL, strings in MySQL; backticks are identifiers
  ['postgresql', 'SELECT "Weird ""Col"" 1" FROM "t 2"', 'SELECT "Weird ""Col"" 1" FROM "t 2"'],
  ['mysql', 'SELECT "secret", `col 1` FROM `t`', 'SELECT ?, `col 1` FROM `t`'],
  // dollar quoting (PostgreSQL), not in MySQL identifiers
  ['postgresql', 'SELECT $$a secret$$, $fn$ body 1 $fn$', 'SELECT ?, ?'],
  ['mysql', 'SELECT my$col FROM t$1', 'SELECT my$col FROM t$1'],
  // comments are kept as written, literals inside them untouched
  ['postgresql', "SELECT 1 -- note 42\nFROM t /* id = 7 */ WHERE a = 'x'", "SELECT ? -- note 42\nFROM t /* id = 7 */ WHERE a = ?"],
  ['mysql', "SELECT 1 # c 5\nFROM t", 'SELECT ? # c 5\nFROM t'],
  // casts and literal keywords
  ['postgresql', "SELECT '2024-01-01'::date, TRUE, NULL, interval '1 day'", 'SELECT ?::date, TRUE, NULL, interval ?'],
  // an unterminated literal swallows the rest (never leaks it)
  ['other', "SELECT 'unterminated secret FROM t", 'SELECT ?'],
  ['postgresql', 'SELECT $tag$ never closed', 'SELECT ?'],
  // nothing to do: the same string comes back
  ['other', 'SELECT a FROM b', 'SELECT a FROM b'],
  ['other', '', ''],
];

test('sanitizeSql removes every literal value and keeps the shape of the statement', () => {
  for (const [dialect, input, expected] of cases) {
    assert.equal(sanitizeSql(input, dialect), expected, `${dialect}: ${JSON.stringify(input)}`);
  }
});

test('sanitizeSql: results are cached per dialect; long statements are sanitized uncached', () => {
  const sql = "SELECT * FROM t WHERE note = \"x\" AND id = 1";
  assert.equal(sanitizeSql(sql, 'mysql'), 'SELECT * FROM t WHERE note = ? AND id = ?');
  assert.equal(sanitizeSql(sql, 'postgresql'), 'SELECT * FROM t WHERE note = "x" AND id = ?', 'the dialect is part of the key');
  assert.equal(sanitizeSql(sql, 'mysql'), 'SELECT * FROM t WHERE note = ? AND id = ?');
  const long = `SELECT ${Array.from({ length: 2000 }, (_, i) => `${i}`).join(', ')}`;
  assert.equal(sanitizeSql(long), `SELECT ${Array.from({ length: 2000 }, () => '?').join(', ')}`);
  for (let i = 0; i < 3000; i++) assert.equal(sanitizeSql(`SELECT ${i}`), 'SELECT ?');
});

test('sqlOperation: the first keyword, upper-cased', () => {
  assert.equal(sqlOperation('select 1'), 'SELECT');
  assert.equal(sqlOperation('  \n(SELECT 1) UNION (SELECT 2)'), 'SELECT');
  assert.equal(sqlOperation('/* app=x */ insert into t values (1)'), 'INSERT');
  assert.equal(sqlOperation('-- hi\nWITH x AS (SELECT 1) SELECT * FROM x'), 'WITH');
  assert.equal(sqlOperation('begin'), 'BEGIN');
  assert.equal(sqlOperation(''), 'QUERY');
  assert.equal(sqlOperation('   '), 'QUERY');
  assert.equal(sqlOperation('/* never closed'), 'QUERY');
  assert.equal(sqlOperation('123'), 'QUERY');
});
