/**
 * PostgreSQL's binary format of a value, from its text output (as the workers printed it: ISO
 * dates, UTC, hex bytea), for the types drivers ask for in binary: pgjdbc past prepareThreshold,
 * for one. Pure. `undefined` when the type (or the value) is not one this knows: the statement
 * then runs on the client's own session, which sends PostgreSQL's own.
 */

const POSTGRES_EPOCH_DAYS = 10_957; // 1970-01-01 to 2000-01-01
const DAY_MICROS = 86_400_000_000n;

const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};

/** Days from 2000-01-01 to a proleptic Gregorian date (any year: Hinnant's days_from_civil). */
function daysSince2000(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468 - POSTGRES_EPOCH_DAYS;
}

/** 'YYYY-MM-DD' with an optional ' BC', as days from 2000-01-01. */
function dateDays(text: string): number | undefined {
  const match = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  return daysSince2000(match[4] ? 1 - year : year, Number(match[2]), Number(match[3]));
}

/** 'HH:MM:SS[.ffffff]' as microseconds. */
function timeMicros(text: string): bigint | undefined {
  const match = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) return undefined;
  const fraction = BigInt((match[4] ?? '').padEnd(6, '0'));
  return ((BigInt(match[1] as string) * 60n + BigInt(match[2] as string)) * 60n + BigInt(match[3] as string)) * 1_000_000n + fraction;
}

function timestampMicros(text: string, zoned: boolean): bigint | undefined {
  if (text === 'infinity') return 0x7fffffffffffffffn;
  if (text === '-infinity') return -0x8000000000000000n;
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d{1,6})?)(\+00)?( BC)?$/.exec(text);
  if (!match || Boolean(match[3]) !== zoned) return undefined;
  const days = dateDays(`${match[1]}${match[4] ?? ''}`);
  const time = timeMicros(match[2] as string);
  return days === undefined || time === undefined ? undefined : BigInt(days) * DAY_MICROS + time;
}

/** numeric's binary form: base-10000 digits, weight, sign, display scale. */
function numeric(text: string): Buffer | undefined {
  // PostgreSQL sends a special value's header bits where a short numeric keeps its scale: 32 for ±Infinity.
  const special: Record<string, [number, number]> = { NaN: [0xc0, 0], Infinity: [0xd0, 32], '-Infinity': [0xf0, 32] };
  const [flags, scale] = special[text] ?? [];
  if (flags !== undefined && scale !== undefined) return Buffer.concat([int16(0), int16(0), Buffer.from([flags, 0]), int16(scale)]);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '', fraction = ''] = match;
  const wholeGroups = Math.ceil(whole.length / 4);
  const digits = whole.padStart(wholeGroups * 4, '0') + fraction.padEnd(Math.ceil(fraction.length / 4) * 4, '0');
  let groups = Array.from({ length: digits.length / 4 }, (_, i) => Number(digits.slice(i * 4, i * 4 + 4)));
  let weight = wholeGroups - 1;
  while (groups.length > 0 && groups[0] === 0) {
    groups = groups.slice(1);
    weight--;
  }
  while (groups.length > 0 && groups[groups.length - 1] === 0) groups = groups.slice(0, -1);
  if (groups.length === 0) weight = 0;
  const header = [int16(groups.length), int16(weight), Buffer.from([sign && groups.length > 0 ? 0x40 : 0, 0]), int16(fraction.length)];
  return Buffer.concat([...header, ...groups.map(int16)]);
}

const TEXT_TYPES = new Set([25, 1043, 1042, 19, 705, 114]);

/**
 * @param text the value's text output (never null: NULL has no bytes in either format).
 * @param typeOid the column's type.
 */
export function toBinary(text: string, typeOid: number): Buffer | undefined {
  if (TEXT_TYPES.has(typeOid)) return Buffer.from(text, 'utf8');
  const b = Buffer.alloc(8);
  switch (typeOid) {
    case 16:
      return Buffer.from([text === 't' || text === 'true' ? 1 : 0]);
    case 21:
      return int16(Number(text));
    case 23:
      b.writeInt32BE(Number(text));
      return b.subarray(0, 4);
    case 26:
      b.writeUInt32BE(Number(text));
      return b.subarray(0, 4);
    case 20:
      b.writeBigInt64BE(BigInt(text));
      return b;
    case 700:
      b.writeFloatBE(Number(text));
      return b.subarray(0, 4);
    case 701:
      b.writeDoubleBE(Number(text));
      return b;
    case 1700:
      return numeric(text);
    case 3802:
      return Buffer.concat([Buffer.from([1]), Buffer.from(text, 'utf8')]);
    case 17:
      return /^\\x([0-9a-f]{2})*$/.test(text) ? Buffer.from(text.slice(2), 'hex') : undefined;
    case 2950:
      return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text) ? Buffer.from(text.replace(/-/g, ''), 'hex') : undefined;
    case 1082: {
      const days = text === 'infinity' ? 0x7fffffff : text === '-infinity' ? -0x80000000 : dateDays(text);
      if (days === undefined) return undefined;
      b.writeInt32BE(days);
      return b.subarray(0, 4);
    }
    case 1083: {
      const micros = timeMicros(text);
      if (micros === undefined) return undefined;
      b.writeBigInt64BE(micros);
      return b;
    }
    case 1114:
    case 1184: {
      const micros = timestampMicros(text, typeOid === 1184);
      if (micros === undefined) return undefined;
      b.writeBigInt64BE(micros);
      return b;
    }
    default:
      return undefined;
  }
}

/** Types `toBinary` encodes: a statement asking for another one in binary runs on the session. */
export function encodesBinary(typeOid: number): boolean {
  return TEXT_TYPES.has(typeOid) || [16, 21, 23, 26, 20, 700, 701, 1700, 3802, 17, 2950, 1082, 1083, 1114, 1184].includes(typeOid);
}

/** A proleptic Gregorian date from days since 2000-01-01 (Hinnant's civil_from_days), as PostgreSQL prints it in ISO style. */
function dateText(days: number): string {
  const z = days + POSTGRES_EPOCH_DAYS + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const two = (n: number) => String(n).padStart(2, '0');
  return year > 0 ? `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}` : `${String(1 - year).padStart(4, '0')}-${two(month)}-${two(day)} BC`;
}

/** Microseconds of a day as HH:MM:SS[.ffffff], trailing zeros of the fraction dropped. */
function timeText(micros: bigint): string {
  const two = (n: bigint) => String(n).padStart(2, '0');
  const fraction = micros % 1_000_000n;
  const seconds = micros / 1_000_000n;
  const text = `${two(seconds / 3600n)}:${two((seconds / 60n) % 60n)}:${two(seconds % 60n)}`;
  return fraction === 0n ? text : `${text}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
}

function timestampText(micros: bigint, zoned: boolean): string {
  if (micros === 0x7fffffffffffffffn) return 'infinity';
  if (micros === -0x8000000000000000n) return '-infinity';
  const days = micros >= 0n ? micros / DAY_MICROS : -((-micros + DAY_MICROS - 1n) / DAY_MICROS);
  const date = dateText(Number(days));
  const [day, era = ''] = date.split(' ');
  return `${day} ${timeText(micros - days * DAY_MICROS)}${zoned ? '+00' : ''}${era ? ` ${era}` : ''}`;
}

function numericText(bytes: Buffer): string | undefined {
  const count = bytes.readInt16BE(0);
  const weight = bytes.readInt16BE(2);
  const sign = bytes.readUInt16BE(4);
  const scale = bytes.readInt16BE(6);
  const special: Record<number, string> = { 0xc000: 'NaN', 0xd000: 'Infinity', 0xf000: '-Infinity' };
  if (special[sign] !== undefined) return special[sign];
  const groups = Array.from({ length: count }, (_, i) => String(bytes.readInt16BE(8 + 2 * i)).padStart(4, '0'));
  // Digit groups from 10000^weight down: whole part, then fraction.
  const wholeGroups = Math.max(0, weight + 1);
  const whole = (groups.slice(0, wholeGroups).join('') + '0000'.repeat(Math.max(0, wholeGroups - groups.length))).replace(/^0+(?=\d)/, '') || '0';
  const fraction = ('0000'.repeat(Math.max(0, -weight - 1)) + groups.slice(wholeGroups).join('')).padEnd(scale, '0').slice(0, scale);
  return `${sign === 0x4000 ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/**
 * A parameter a driver sent in binary, as text PostgreSQL reads back to the same value (pgjdbc
 * sends numbers in binary); undefined for a type this does not read.
 */
export function fromBinary(bytes: Buffer, typeOid: number): string | undefined {
  if (TEXT_TYPES.has(typeOid)) return bytes.toString('utf8');
  switch (typeOid) {
    case 16:
      return bytes[0] ? 't' : 'f';
    case 21:
      return String(bytes.readInt16BE(0));
    case 23:
      return String(bytes.readInt32BE(0));
    case 26:
      return String(bytes.readUInt32BE(0));
    case 20:
      return String(bytes.readBigInt64BE(0));
    case 700:
    case 701: {
      const value = typeOid === 700 ? bytes.readFloatBE(0) : bytes.readDoubleBE(0);
      // The shortest text that reads back to the same double, hence the same float4.
      return Object.is(value, -0) ? '-0' : String(value);
    }
    case 1700:
      return numericText(bytes);
    case 3802:
      return bytes[0] === 1 ? bytes.subarray(1).toString('utf8') : undefined;
    case 17:
      return `\\x${bytes.toString('hex')}`;
    case 2950: {
      const hex = bytes.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    case 1082: {
      const days = bytes.readInt32BE(0);
      return days === 0x7fffffff ? 'infinity' : days === -0x80000000 ? '-infinity' : dateText(days);
    }
    case 1083:
      return timeText(bytes.readBigInt64BE(0));
    case 1114:
    case 1184:
      return timestampText(bytes.readBigInt64BE(0), typeOid === 1184);
    default:
      return undefined;
  }
}
