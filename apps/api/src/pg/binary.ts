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
