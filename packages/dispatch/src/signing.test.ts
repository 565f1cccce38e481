import { ForgedJobError, JobSigner } from './signing';

const signer = new JobSigner(['a-job-signing-key-of-32-characters!!']);

test('a signed payload verifies after a trip through JSON, and comes back without its signature', () => {
  const job = { queryId: '00000000-0000-4000-8000-000000000001', generation: 2, sql: 'SELECT 1', params: ['x', null], deadline: 1_765_000_000_123 };
  const stored = JSON.parse(JSON.stringify(signer.sign('fragment', job))) as unknown;
  expect(signer.verify('fragment', stored)).toEqual(job);
});

test.each([
  ['no signature', (job: Record<string, unknown>) => ({ ...job, signature: undefined })],
  ['a changed field', (job: Record<string, unknown>) => ({ ...job, sql: 'SELECT pg_read_file($$/etc/hostname$$)' })],
  ['an added field', (job: Record<string, unknown>) => ({ ...job, extra: 1 })],
  ['a garbled signature', (job: Record<string, unknown>) => ({ ...job, signature: 'AAAA' })],
])('%s is refused', (_, tamper) => {
  const signed = signer.sign('fragment', { sql: 'SELECT 1' }) as unknown as Record<string, unknown>;
  expect(() => signer.verify('fragment', tamper(signed))).toThrow(ForgedJobError);
});

test('a payload signed as one kind is refused as another', () => {
  expect(() => signer.verify('combine', signer.sign('coordinate', { queryId: 'x', generation: 1 }))).toThrow(/signature does not match/);
});

test('another deployment’s key is refused; a key still listed after a new one verifies', () => {
  const other = new JobSigner(['another-deployment-key-32-characters']);
  expect(() => signer.verify('fragment', other.sign('fragment', { sql: 'SELECT 1' }))).toThrow(ForgedJobError);
  const rotating = new JobSigner(['the-new-job-signing-key-32-characters', 'a-job-signing-key-of-32-characters!!']);
  expect(rotating.verify('fragment', signer.sign('fragment', { sql: 'SELECT 1' }))).toEqual({ sql: 'SELECT 1' });
});

test.each([null, 'text', [1, 2]])('%p is not a job', (data) => {
  expect(() => signer.verify('fragment', data)).toThrow(ForgedJobError);
});
