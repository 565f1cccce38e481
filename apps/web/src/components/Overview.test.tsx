import type { SystemStats } from '@pgfan/contracts';
import { act, render, screen } from '@testing-library/react';
import { FakeSocket } from '../test/fake-socket';
import { Overview } from './Overview';

const stats = (workers: number, throughput: number): SystemStats => ({
  at: new Date().toISOString(),
  workers: Array.from({ length: workers }, (_, i) => ({
    id: `w${i + 1}`,
    host: 'h',
    pid: 100 + i,
    cpuPercent: 12.5,
    rssBytes: 120 * 1024 * 1024,
    activeJobs: 1,
    processed: 10,
    failed: 0,
    concurrency: 2,
    startedAt: '',
    at: '',
  })),
  queues: [
    { name: 'pgfan-coordinate', waiting: 0, active: 1, delayed: 0, failed: 0 },
    { name: 'pgfan-fragments', waiting: 5, active: 2, delayed: 0, failed: 0 },
    { name: 'pgfan-combine', waiting: 0, active: 0, delayed: 0, failed: 0 },
  ],
  throughput,
  latency: { p50: 12, p95: 80, count: 40 },
  replicas: null,
});

test('tiles and charts follow the live stats', () => {
  const socket = new FakeSocket();
  render(<Overview socket={socket.asSocket()} />);
  expect(screen.getByText('Waiting for the first measurements…')).toBeInTheDocument();
  act(() => socket.serverEmit('system:stats', stats(2, 3)));
  act(() => socket.serverEmit('system:stats', stats(3, 4.5)));
  expect(screen.getByText('Workers', { selector: '.tile-name' }).nextSibling).toHaveTextContent('3');
  expect(screen.getByText('4.5 /s')).toBeInTheDocument();
  expect(screen.getByText('80 ms')).toBeInTheDocument();
  expect(screen.getByRole('figure', { name: 'Queue depth (waiting + active)' })).toHaveTextContent('fragments: 7');
  expect(screen.getByRole('figure', { name: 'Live workers' })).toHaveTextContent('workers: 3');
  expect(screen.getAllByRole('row')).toHaveLength(4);
});
