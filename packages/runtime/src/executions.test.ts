import { Executions } from './executions';

test('an execution is alone only if no other began or was running before it ended', () => {
  const executions = new Executions();
  const first = executions.begin();
  expect(first.end()).toEqual({ alone: true });

  const outer = executions.begin();
  const inner = executions.begin();
  expect(inner.end()).toEqual({ alone: false });
  expect(outer.end()).toEqual({ alone: false });

  // Back to back is not overlapping.
  const next = executions.begin();
  expect(next.end()).toEqual({ alone: true });
  expect(next.end()).toEqual({ alone: true });
});
