/**
 * The PostgreSQL protocol messages pgfan writes to clients, and reads from them, as its own
 * functions: pg-protocol (node-postgres) parses only what a server sends, and forwarding needs
 * the bytes as they came. Pure. Formats: https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

/** Request codes of a client's first message. */
export const PROTOCOL_3 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

/** Writes one typed message: its type, its length, its body. */
function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const int32 = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
};
const int16 = (value: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(value);
  return b;
};
const cstring = (text: string) => Buffer.from(`${text}\0`, 'utf8');

export const authenticationOk = () => message('R', int32(0));
export const authenticationCleartextPassword = () => message('R', int32(3));
export const authenticationSasl = (mechanisms: string[]) => message('R', int32(10), ...mechanisms.map(cstring), Buffer.from([0]));
export const authenticationSaslContinue = (data: string) => message('R', int32(11), Buffer.from(data, 'utf8'));
export const authenticationSaslFinal = (data: string) => message('R', int32(12), Buffer.from(data, 'utf8'));
export const parameterStatus = (name: string, value: string) => message('S', cstring(name), cstring(value));
export const backendKeyData = (processId: number, secretKey: number) => message('K', int32(processId), int32(secretKey));
export const readyForQuery = (status: string) => message('Z', Buffer.from(status, 'latin1'));
export const commandComplete = (tag: string) => message('C', cstring(tag));
/** Tells a client asking for protocol 3.n (n > 0) or `_pq_.` options what this server speaks: 3.0, none of them. */
export const negotiateProtocolVersion = (unrecognized: string[]) => message('v', int32(0), int32(unrecognized.length), ...unrecognized.map(cstring));

/** One row: each value's length (-1 for NULL) and bytes (text as UTF-8, or a binary value). */
export function dataRow(values: readonly (string | Buffer | null)[]): Buffer {
  const parts: Buffer[] = [int16(values.length)];
  for (const value of values) {
    if (value === null) {
      parts.push(int32(-1));
    } else {
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
      parts.push(int32(bytes.length), bytes);
    }
  }
  return message('D', ...parts);
}

export interface ErrorFields {
  severity: 'ERROR' | 'FATAL';
  /** SQLSTATE. */
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  /** 1-based character position in the statement. */
  position?: number;
}

/** ErrorResponse, with the fields PostgreSQL's own carry first. */
export function errorResponse(fields: ErrorFields): Buffer {
  const field = (code: string, value: string) => Buffer.concat([Buffer.from(code, 'latin1'), cstring(value)]);
  return message(
    'E',
    field('S', fields.severity),
    field('V', fields.severity),
    field('C', fields.code),
    field('M', fields.message),
    ...(fields.detail ? [field('D', fields.detail)] : []),
    ...(fields.hint ? [field('H', fields.hint)] : []),
    ...(fields.position ? [field('P', String(fields.position))] : []),
    Buffer.from([0]),
  );
}

/** Frontend messages pgfan sends to the session it pins, of its own. */
export const frontend = {
  parse: (sql: string, name = '') => message('P', cstring(name), cstring(sql), int16(0)),
  describePortal: (portal: string) => message('D', Buffer.from('P', 'latin1'), cstring(portal)),
  describeNamed: (statement: string) => message('D', Buffer.from('S', 'latin1'), cstring(statement)),
  sync: () => message('S'),
  query: (sql: string) => message('Q', cstring(sql)),
  terminate: () => message('X'),
};

/** A client's first message. */
export type StartupRequest =
  | { kind: 'startup'; major: number; minor: number; parameters: Map<string, string> }
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; processId: number; secretKey: number }
  | { kind: 'unknown'; code: number };

export function readStartup(body: Buffer): StartupRequest {
  if (body.length < 4) return { kind: 'unknown', code: -1 };
  const code = body.readInt32BE(0);
  if (code === SSL_REQUEST) return { kind: 'ssl' };
  if (code === GSSENC_REQUEST) return { kind: 'gssenc' };
  if (code === CANCEL_REQUEST && body.length >= 12) return { kind: 'cancel', processId: body.readInt32BE(4), secretKey: body.readInt32BE(8) };
  const major = code >>> 16;
  if (major !== 3) return { kind: 'unknown', code };
  const strings = body.subarray(4).toString('utf8').split('\0');
  const parameters = new Map<string, string>();
  for (let i = 0; i + 1 < strings.length && strings[i] !== ''; i += 2) parameters.set(strings[i] as string, strings[i + 1] as string);
  return { kind: 'startup', major, minor: code & 0xffff, parameters };
}

/** The text of a NUL-terminated string at the start of `body`. */
export function readCString(body: Buffer, offset = 0): { text: string; next: number } {
  const end = body.indexOf(0, offset);
  const stop = end < 0 ? body.length : end;
  return { text: body.subarray(offset, stop).toString('utf8'), next: stop + 1 };
}

/** SASLInitialResponse: the mechanism and the client's first message. */
export function readSaslInitial(body: Buffer): { mechanism: string; data: string } {
  const { text: mechanism, next } = readCString(body);
  const length = body.length >= next + 4 ? body.readInt32BE(next) : -1;
  return { mechanism, data: length < 0 ? '' : body.subarray(next + 4, next + 4 + length).toString('utf8') };
}

/** The fields of an ErrorResponse or NoticeResponse, by their code letter. */
export function readErrorFields(body: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const code = String.fromCharCode(body[offset] as number);
    const { text, next } = readCString(body, offset + 1);
    fields.set(code, text);
    offset = next;
  }
  return fields;
}

/** The type OIDs and format codes (0 text, 1 binary) of a RowDescription's columns. */
export function rowDescriptionColumns(body: Buffer): { type: number; format: number }[] {
  const count = body.readInt16BE(0);
  const columns: { type: number; format: number }[] = [];
  let offset = 2;
  for (let i = 0; i < count; i++) {
    offset = readCString(body, offset).next;
    // table OID (4), column number (2), type OID (4), type size (2), type modifier (4), format (2).
    columns.push({ type: body.readInt32BE(offset + 6), format: body.readInt16BE(offset + 16) });
    offset += 18;
  }
  return columns;
}

/** Parse: the statement's name, its SQL, and the types it gives its parameters (0: PostgreSQL infers it). */
export function readParse(body: Buffer): { name: string; sql: string; parameterTypes: number[] } {
  const name = readCString(body);
  const sql = readCString(body, name.next);
  return { name: name.text, sql: sql.text, parameterTypes: readOids(body, sql.next) };
}

/** ParameterDescription: the type of each parameter of a statement, as PostgreSQL inferred it. */
export function readParameterDescription(body: Buffer): number[] {
  return readOids(body, 0);
}

/** A count (int16), then that many type OIDs. */
function readOids(body: Buffer, offset: number): number[] {
  return Array.from({ length: body.readInt16BE(offset) }, (_, i) => body.readUInt32BE(offset + 2 + 4 * i));
}

export interface Bind {
  portal: string;
  statement: string;
  /** Each parameter's bytes (null for NULL) and format (0 text, 1 binary). */
  parameters: { value: Buffer | null; format: number }[];
}

/** Bind: its portal, statement, and parameters. */
export function readBind(body: Buffer): Bind {
  const portal = readCString(body);
  const statement = readCString(body, portal.next);
  let offset = statement.next;
  const formatCount = body.readInt16BE(offset);
  const formats = Array.from({ length: formatCount }, (_, i) => body.readInt16BE(offset + 2 + 2 * i));
  offset += 2 + 2 * formatCount;
  const parameters = body.readInt16BE(offset);
  offset += 2;
  // One format code for all, or one each; none: all text.
  const format = (i: number) => (formats.length === 1 ? formats[0] : formats[i]) ?? 0;
  const values: Bind['parameters'] = [];
  for (let i = 0; i < parameters; i++) {
    const length = body.readInt32BE(offset);
    offset += 4;
    values.push({ value: length < 0 ? null : body.subarray(offset, offset + length), format: format(i) });
    offset += Math.max(0, length);
  }
  return { portal: portal.text, statement: statement.text, parameters: values };
}

/** Describe or Close: 'S' (statement) or 'P' (portal), and its name. */
export function readTarget(body: Buffer): { kind: string; name: string } {
  return { kind: String.fromCharCode(body[0] as number), name: readCString(body, 1).text };
}

/** Execute: its portal and the most rows it asks for (0: all). */
export function readExecute(body: Buffer): { portal: string; maxRows: number } {
  const portal = readCString(body);
  return { portal: portal.text, maxRows: body.readInt32BE(portal.next) };
}
