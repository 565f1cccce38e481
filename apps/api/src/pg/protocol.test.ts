/** The PostgreSQL port's pure parts: framing, messages, the startup it asks for, and when a session reads queries as the workers do. */
import { backendStartup, sessionDefaults } from './backend';
import { MessageReader, ProtocolViolation } from './framing';
import * as pg from './messages';
import { WorkerSettings, type Fingerprint } from './settings';

describe('MessageReader', () => {
  test('a startup message, then typed messages split anywhere across chunks', () => {
    const reader = new MessageReader(true, 10_000);
    const startup = Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from([0, 0x03, 0, 0])]);
    const [first] = reader.push(startup);
    expect(first?.type).toBe('');
    reader.typed();
    const stream = Buffer.concat([pg.frontend.query('SELECT 1'), pg.frontend.sync(), pg.frontend.query('SELECT 2')]);
    const messages = [...stream].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(messages.map((m) => [m.type, m.body.toString('utf8')])).toEqual([
      ['Q', 'SELECT 1\0'],
      ['S', ''],
      ['Q', 'SELECT 2\0'],
    ]);
    expect(Buffer.concat(messages.map((m) => m.raw))).toEqual(stream);
    expect(reader.holding).toBe(false);
  });

  test('a length the protocol does not allow is a violation, not a wait for bytes that never come', () => {
    const reader = new MessageReader(false, 1000);
    expect(() => reader.push(Buffer.from([0x51, 0, 0, 0, 2]))).toThrow(ProtocolViolation);
    expect(() => new MessageReader(false, 1000).push(Buffer.from([0x51, 0, 0, 0x10, 0]))).toThrow(ProtocolViolation);
  });
});

describe('messages', () => {
  test('startup requests: protocol 3.0 with parameters, SSL, cancel, and what is not ours', () => {
    const params = Buffer.from('user\0ann\0database\0pgfan\0\0');
    const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), params]);
    expect(pg.readStartup(body)).toEqual({
      kind: 'startup',
      major: 3,
      minor: 0,
      parameters: new Map([
        ['user', 'ann'],
        ['database', 'pgfan'],
      ]),
    });
    const code = (n: number) => Buffer.from([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    expect(pg.readStartup(code(pg.SSL_REQUEST))).toEqual({ kind: 'ssl' });
    expect(pg.readStartup(Buffer.concat([code(pg.CANCEL_REQUEST), code(7), code(9)]))).toEqual({ kind: 'cancel', processId: 7, secretKey: 9 });
    expect(pg.readStartup(code(2 << 16))).toEqual({ kind: 'unknown', code: 2 << 16 });
  });

  test('a DataRow carries NULL as length -1 and text as UTF-8 bytes', () => {
    const row = pg.dataRow(['é', null, '']);
    expect(row.readInt32BE(1)).toBe(row.length - 1);
    expect(row.readInt16BE(5)).toBe(3);
    expect(row.readInt32BE(7)).toBe(2);
    expect(row.readInt32BE(13)).toBe(-1);
    expect(row.readInt32BE(17)).toBe(0);
  });

  test("a Parse's parameter types, as pgjdbc gives them (0: left to PostgreSQL), and a ParameterDescription's", () => {
    const oids = (...types: number[]) => Buffer.concat([Buffer.from([0, types.length]), ...types.map((t) => Buffer.from([0, 0, (t >> 8) & 0xff, t & 0xff]))]);
    const body = Buffer.concat([Buffer.from('S_1\0SELECT $1 + $2\0'), oids(23, 0)]);
    expect(pg.readParse(body)).toEqual({ name: 'S_1', sql: 'SELECT $1 + $2', parameterTypes: [23, 0] });
    expect(pg.readParse(pg.frontend.parse('SELECT 1').subarray(5))).toEqual({ name: '', sql: 'SELECT 1', parameterTypes: [] });
    expect(pg.readParameterDescription(oids(20, 1043))).toEqual([20, 1043]);
  });

  test('an ErrorResponse reads back field by field', () => {
    const error = pg.errorResponse({ severity: 'ERROR', code: '57014', message: 'canceling statement due to user request', position: 8 });
    const fields = pg.readErrorFields(error.subarray(5));
    expect(Object.fromEntries(fields)).toEqual({ S: 'ERROR', V: 'ERROR', C: '57014', M: 'canceling statement due to user request', P: '8' });
  });
});

test("the pinned session starts in pgfan's formats where the server's defaults differ, the client's own parameters winning, as itself and where pgfan says", () => {
  const server = new Map([
    ['TimeZone', 'Etc/UTC'],
    ['DateStyle', 'ISO, MDY'],
    ['IntervalStyle', 'postgres'],
    ['extra_float_digits', '1'],
    ['standard_conforming_strings', 'on'],
    ['default_transaction_read_only', 'on'],
    ['jit', 'on'],
  ]);
  // Etc/UTC is UTC already, jit is the server's to choose: nothing to set.
  expect(sessionDefaults(server)).toEqual({});
  const defaults = sessionDefaults(new Map([...server, ['TimeZone', 'America/New_York'], ['DateStyle', 'SQL, DMY']]));
  expect(defaults).toEqual({ TimeZone: 'UTC', DateStyle: 'ISO, MDY' });
  const startup = backendStartup(
    'reader',
    'app',
    new Map([
      ['user', 'someone'],
      ['database', 'elsewhere'],
      ['TimeZone', 'Europe/Paris'],
      ['options', '-c search_path=s'],
      ['replication', 'true'],
    ]),
    defaults,
  );
  expect(startup).toMatchObject({ user: 'reader', database: 'app', TimeZone: 'Europe/Paris' });
  expect(startup.replication).toBeUndefined();
  expect(startup.options).toBe('-c TimeZone=UTC -c DateStyle=ISO,\\ MDY -c search_path=s');
});

describe('WorkerSettings', () => {
  const workers = new WorkerSettings(
    new Map([
      ['TimeZone', 'UTC'],
      ['search_path', '"$user", public'],
      ['extra_float_digits', '1'],
    ]),
  );
  const fingerprint = (settings: Record<string, string>, temporaryRelations = 0): Fingerprint => ({
    settings,
    temporaryRelations,
    statementTimeoutMs: 0,
    requested: { partitions: null, servers: null },
    isolation: 'read committed',
  });

  test('equal settings, and settings that change no answer, fan out', () => {
    expect(
      workers.difference(fingerprint({ TimeZone: 'UTC', application_name: 'Metabase', extra_float_digits: '3', work_mem: '1GB', statement_timeout: '5000' })),
    ).toBeNull();
  });

  test('a setting that changes answers or their text, or a temporary table, keeps the query on the session', () => {
    expect(workers.difference(fingerprint({ TimeZone: 'Europe/Paris' }))).toBe('the session sets TimeZone = Europe/Paris');
    expect(workers.difference(fingerprint({ search_path: 'other' }))).toBe('the session sets search_path = other');
    expect(workers.difference(fingerprint({ extra_float_digits: '0' }))).toBe('the session sets extra_float_digits = 0');
    expect(workers.difference(fingerprint({ role: 'someone' }))).toBe('the session sets role = someone');
    expect(workers.difference(fingerprint({}, 1))).toBe('the session has temporary tables');
  });

  test("another name of UTC (the JVM's Etc/UTC) reads queries the same, unless a query reads the setting's name", () => {
    expect(workers.difference(fingerprint({ TimeZone: 'Etc/UTC' }), 'SELECT max(ts) FROM events')).toBeNull();
    expect(workers.difference(fingerprint({ TimeZone: 'Etc/UTC' }), "SELECT current_setting('TimeZone') FROM events")).toBe(
      'the session sets TimeZone = Etc/UTC',
    );
    expect(workers.difference(fingerprint({ TimeZone: 'GMT' }), 'SELECT max(ts) FROM events')).toBe('the session sets TimeZone = GMT');
  });
});
