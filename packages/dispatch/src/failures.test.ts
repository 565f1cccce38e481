import { UnrecoverableError } from 'bullmq';
import { jobFailure, jobFailureReason, readJobFailure } from './failures';

test('a failure crosses BullMQ as JSON and comes back the same', () => {
  const failure = { code: 'QUERY_FAILED', message: 'division by zero: "x" / 0' };
  expect(readJobFailure(jobFailureReason(failure))).toEqual(failure);
});

test('a final failure is not retried; another is', () => {
  expect(jobFailure({ code: 'TIMEOUT', message: 'late' }, { final: true })).toBeInstanceOf(UnrecoverableError);
  const retried = jobFailure({ code: 'UNAVAILABLE', message: 'connection refused' }, { final: false });
  expect(retried).not.toBeInstanceOf(UnrecoverableError);
  expect(readJobFailure(retried.message)).toEqual({ code: 'UNAVAILABLE', message: 'connection refused' });
});

test("BullMQ's reason for a job that kept losing its worker is WORKER_LOST", () => {
  expect(readJobFailure('job stalled more than allowable limit')).toMatchObject({ code: 'WORKER_LOST' });
});

test.each(['plain text', '{"code": "lower case", "message": "x"}', '{"code": "X"}', 'null', '[]'])(
  '%s, which pgfan does not fail with, is QUERY_FAILED with the text',
  (reason) => {
    expect(readJobFailure(reason)).toEqual({ code: 'QUERY_FAILED', message: reason });
  },
);

test('a failure that does not fit the schema is not sent', () => {
  expect(() => jobFailureReason({ code: 'not a code', message: 'x' })).toThrow();
});
