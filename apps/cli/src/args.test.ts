import { parseCliArgs, queriesInFile, UsageError } from './args';

const parse = (...argv: string[]) => parseCliArgs(argv, { workers: 2 });

test('reads the documented flags', () => {
  expect(parse('--local', '--partitions', '4', '--json', 'SELECT 1')).toEqual({ local: true, partitions: 4, workers: 2, format: 'json', sql: 'SELECT 1' });
  expect(parse('--file', 'q.sql', '--workers', '8')).toEqual({ local: false, workers: 8, format: 'table', file: 'q.sql', partitions: undefined });
  expect(parse('--format', 'csv', 'SELECT 1')).toMatchObject({ format: 'csv' });
});

test('--partition-by names a key column', () => {
  expect(parse('--local', '--partition-by', 'created_at', 'SELECT 1')).toMatchObject({ partitionBy: 'created_at' });
});

test('joins an unquoted query', () => {
  expect(parse('--local', 'SELECT', 'count(*)', 'FROM', 't')).toMatchObject({ sql: 'SELECT count(*) FROM t' });
});

test.each([
  [['--partitions', '0', 'SELECT 1'], '--partitions must be a whole number from 1 to 64, got "0"'],
  [['--partitions', '65', 'SELECT 1'], '--partitions must be a whole number from 1 to 64, got "65"'],
  [['--partitions', 'four', 'SELECT 1'], '--partitions must be a whole number from 1 to 64, got "four"'],
  [['--file', 'q.sql', 'SELECT 1'], 'give either --file or a query, not both'],
  [[], 'no query given'],
  [['--bogus', 'SELECT 1'], "Unknown option '--bogus'"],
  [['--format', 'xml', 'SELECT 1'], '--format must be one of table, csv, json, got "xml"'],
  [['--format', 'csv', '--json', 'SELECT 1'], '--json is --format json: give one of them'],
])('refuses %j', (argv, message) => {
  expect(() => parse(...argv)).toThrow(UsageError);
  expect(() => parse(...argv)).toThrow(message);
});

test('--help', () => {
  expect(parse('--help')).toBe('help');
});

test('a file holds one query per non-empty line; comment-only lines are skipped', () => {
  expect(queriesInFile('SELECT 1;\n\n  -- a note\nSELECT 2\r\n   \n')).toEqual(['SELECT 1;', 'SELECT 2']);
});

test('--servers asks the API to spread over replicas; not with --local', () => {
  expect(parse('--servers', '2', 'SELECT 1')).toMatchObject({ servers: 2 });
  expect(() => parse('--servers', '0', 'SELECT 1')).toThrow('--servers must be a whole number from 1 to 16, got "0"');
  expect(() => parse('--local', '--servers', '2', 'SELECT 1')).toThrow('--servers needs the API (REPLICA_URLS): not with --local');
});
