/**
 * Nothing in a query can break out of the SQL the planner generates: identifiers are always
 * quoted by one function, string constants are re-emitted only when well-formed, partition
 * bounds are bind parameters, and every generated statement is exactly one statement.
 */
import fc from 'fast-check';
import { combineOf, planFor } from './__tests__/helpers';
import { tokenize } from './lexer';
import { parseQuery } from './parse';
import { quoteIdent } from './print';

/** Any text, including quotes, semicolons, comment starts and non-ASCII. */
const hostileText = fc.string({
  unit: fc.constantFrom('"', "'", ';', '-', '/', '*', '$', '\\', ' ', 'a', 'Z', 'é', '\n', '(', ')'),
  minLength: 1,
  maxLength: 20,
});

const statementsIn = (sql: string) => tokenize(sql).filter((t) => t.kind === 'op' && t.text === ';').length + 1;

test('quoteIdent always yields exactly one quoted identifier with the same name', () => {
  fc.assert(
    fc.property(hostileText, (name) => {
      const quoted = quoteIdent(name);
      const tokens = tokenize(quoted);
      expect(tokens).toHaveLength(1);
      expect(tokens[0]).toMatchObject({ kind: 'quoted-ident', start: 0, end: quoted.length });
      expect(quoted.slice(1, -1).replace(/""/g, '"')).toBe(name);
    }),
  );
});

test('hostile names and strings stay inside their quotes in every generated statement', () => {
  fc.assert(
    fc.property(hostileText, hostileText, (name, text) => {
      const constant = `'${text.replace(/'/g, "''")}'`;
      const query = `SELECT ${quoteIdent(name)} AS ${quoteIdent(name)}, count(*) FROM events WHERE country = ${constant} GROUP BY 1`;
      const plan = planFor(query, { partitions: 3, types: ['text', 'bigint'] });
      expect(plan.mode).toBe('fan-out');
      for (const f of plan.fragments) {
        expect(statementsIn(f.sql)).toBe(1);
        expect(f.sql).toContain(`"country" = ${constant}`);
        expect(f.sql).toContain(`${quoteIdent(name)} AS "k0"`);
      }
      expect(statementsIn(combineOf(plan))).toBe(1);
    }),
  );
});

test.each([
  ["E'…' with backslash escapes", "E'it\\'s\\\\'"],
  ['a dollar-quoted string', "$q$ '; DROP TABLE t; -- $q$"],
  ['a Unicode string with its own escape character', "U&'!00e9' UESCAPE '!'"],
])('%s goes into the fragments exactly as written', (_, constant) => {
  const plan = planFor(`SELECT count(*) FROM events WHERE country = ${constant}`, { partitions: 2 });
  expect(plan.mode).toBe('fan-out');
  for (const f of plan.fragments) {
    expect(f.sql).toContain(`("country" = ${constant})`);
    expect(statementsIn(f.sql)).toBe(1);
  }
});

test('partition bounds are bind parameters, never text in the SQL', () => {
  const plan = planFor('SELECT count(*) FROM events', { partitions: 4 });
  for (const f of plan.fragments) {
    expect(f.sql).not.toMatch(/'\(\d+,0\)'/);
    f.params.forEach((p) => expect(p).toMatch(/^\(\d+,0\)$/));
  }
});

test.each([
  'SELECT 1 FROM events; DROP TABLE events',
  "SELECT 1 FROM events WHERE a = 'x'; DELETE FROM events",
  'SELECT 1 FROM events /* ; */ ; UPDATE events SET a = 1',
  'SELECT $$;$$ FROM events; TRUNCATE events',
  'SELECT 1 INTO x FROM events',
  'WITH d AS (DELETE FROM events RETURNING 1) SELECT * FROM d',
])('is refused before planning: %s', (query) => {
  expect(() => parseQuery(query)).toThrow();
});
