import type { QueryView } from '@pgfan/contracts';
import { progressLine } from './remote';

const view = (states: QueryView['fragments'][number]['state'][], status: QueryView['status'] = 'running') =>
  ({ status, fragments: states.map((state, index) => ({ index, state })) }) as unknown as QueryView;

test('the progress bar fills as fragments finish', () => {
  expect(progressLine(view(['done', 'running', 'waiting', 'done']), 1234, 8)).toBe('[####----] 2/4 fragments · running · 1.2 s');
  expect(progressLine(view(['done'], 'combining'), 50, 4)).toBe('[####] 1/1 fragment · combining · 0.1 s');
  expect(progressLine(view([], 'queued'), 0, 4)).toBe('[----] 0/0 fragments · queued · 0.0 s');
});
