import type { SystemStats } from '@pgfan/contracts';
import { act, render, screen, within } from '@testing-library/react';
import { FakeSocket } from '../test/fake-socket';
import { Overview } from './Overview';

const stats = (workers: number, throughput: number, replicas: SystemStats['replicas'] = null): SystemStats => ({
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
  replicas,
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

test("the autoscaler's wish is shown beside the live workers, when one reports", () => {
  const socket = new FakeSocket();
  render(<Overview socket={socket.asSocket()} />);
  act(() => socket.serverEmit('system:stats', stats(2, 0)));
  const hint = () => screen.getByText('Workers', { selector: '.tile-name' }).parentElement!.querySelector('.tile-hint');
  expect(hint()).toHaveTextContent(/^4 fragment slots$/);
  expect(screen.getByRole('figure', { name: 'Live workers' })).not.toHaveTextContent('wanted');
  act(() => socket.serverEmit('system:stats', stats(2, 0, { scaler: 'kubernetes', current: 2, desired: 5, min: 1, max: 10 })));
  expect(hint()).toHaveTextContent('4 fragment slots; autoscaler (HPA) wants 5, of 1–10');
  expect(screen.getByRole('figure', { name: 'Live workers' })).toHaveTextContent('wanted: 5');
  act(() => socket.serverEmit('system:stats', stats(3, 0, { scaler: 'supervisor', current: 3, desired: 3, min: 1, max: 10 })));
  expect(hint()).toHaveTextContent('6 fragment slots; supervisor wants 3, of 1–10');
});

test('with replicas: a row per database server, with its position, lag, load, measured capacity and missing hot_standby_feedback', () => {
  const socket = new FakeSocket();
  render(<Overview socket={socket.asSocket()} />);
  const servers: SystemStats['servers'] = [
    { name: 'db:5432', role: 'primary', reachable: true, lsn: '0/3000060', lagBytes: 0, replayPaused: false, active: 2, parallelism: 3.84, latencyMs: 0.4 },
    {
      name: 'db-r1:5432',
      role: 'replica',
      reachable: true,
      lsn: '0/3000000',
      lagBytes: 96,
      replayPaused: true,
      hotStandbyFeedback: false,
      active: 1,
      parallelism: null,
      latencyMs: 0.5,
    },
    {
      name: 'db-r2:5432',
      role: 'replica',
      reachable: false,
      lsn: null,
      lagBytes: null,
      replayPaused: false,
      active: 0,
      latencyMs: 2000,
      error: 'ECONNREFUSED',
    },
  ];
  act(() => socket.serverEmit('system:stats', { ...stats(1, 1), servers }));
  const table = screen.getByRole('table', { name: 'Database servers' });
  const rows = within(table)
    .getAllByRole('row')
    .map((row) => row.textContent);
  expect(rows).toEqual([
    'serverroleWAL positionreplay lagrunningcapacity',
    'db:5432primary0/3000060–23.8',
    'db-r1:5432replica0/300000096 B (paused) (no hot_standby_feedback)1–',
    'db-r2:5432replicaunreachable?0–',
  ]);
});
