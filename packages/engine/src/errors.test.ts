/** Which failures are the server's, not the query's: what moves a query to another server. */
import { DatabaseError } from 'pg';
import { QueryFailedError, RECOVERY_CONFLICT, serverLoss } from './errors';
import { ServerBehindError } from './servers';

function raised(sqlState: string, message: string): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = sqlState;
  return error;
}

test('a lost server, a server restarted behind, and a recovery conflict are the server’s; a failing query is not', () => {
  expect(serverLoss(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }))).toBe('SERVER_LOST');
  expect(serverLoss(new Error('Connection terminated unexpectedly'))).toBe('SERVER_LOST');
  expect(serverLoss(raised('57P01', 'terminating connection due to administrator command'))).toBe('SERVER_LOST');
  expect(serverLoss(new ServerBehindError('the server stands at 0/1, behind 0/2'))).toBe('SERVER_LOST');
  expect(serverLoss(raised(RECOVERY_CONFLICT, 'canceling statement due to conflict with recovery'))).toBe('RECOVERY_CONFLICT');
  expect(serverLoss(new QueryFailedError('QUERY_FAILED', 'canceling statement due to conflict with recovery', RECOVERY_CONFLICT))).toBe('RECOVERY_CONFLICT');
  expect(serverLoss(raised('22012', 'division by zero'))).toBeNull();
  expect(serverLoss(new QueryFailedError('TIMEOUT', 'canceling statement due to statement timeout', '57014'))).toBeNull();
});
