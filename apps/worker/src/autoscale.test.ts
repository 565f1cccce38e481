import { SCALING, type ScalingPolicy } from '@pgfan/contracts';
import { decide, initialState, recommend, type ScalerState } from './autoscale';

const policy: ScalingPolicy = { ...SCALING };
const idle = { backlog: 0, cpuPercents: [] };

test('each metric recommends ceil(value / target); the larger wins, within min and max', () => {
  expect(recommend(idle, policy)).toBe(1);
  expect(recommend({ backlog: 9, cpuPercents: [] }, policy)).toBe(3);
  expect(recommend({ backlog: 0, cpuPercents: [90, 95, 80] }, policy)).toBe(6);
  expect(recommend({ backlog: 400, cpuPercents: [] }, policy)).toBe(10);
});

test('scales up at once, at most doubling or +4 per period', () => {
  let s: ScalerState = initialState(1);
  s = decide(s, { backlog: 100, cpuPercents: [100] }, policy, 0);
  expect(s.replicas).toBe(5);
  s = decide(s, { backlog: 100, cpuPercents: [] }, policy, 5_000);
  expect(s.replicas).toBe(5);
  s = decide(s, { backlog: 100, cpuPercents: [] }, policy, 15_000);
  expect(s.replicas).toBe(10);
});

test('scales down only after the stabilization window, one worker per period', () => {
  let s: ScalerState = { ...initialState(4), lastScaleUpAt: 0 };
  s = decide(s, { backlog: 16, cpuPercents: [] }, policy, 0);
  for (let t = 5_000; t < 120_000; t += 5_000) {
    s = decide(s, idle, policy, t);
    expect(s.replicas).toBe(4);
  }
  s = decide(s, idle, policy, 125_000);
  expect(s.replicas).toBe(3);
  s = decide(s, idle, policy, 130_000);
  expect(s.replicas).toBe(3);
  s = decide(s, idle, policy, 155_000);
  expect(s.replicas).toBe(2);
  s = decide(s, idle, policy, 185_000);
  expect(s.replicas).toBe(1);
  s = decide(s, idle, policy, 400_000);
  expect(s.replicas).toBe(1);
});

test('a brief lull does not scale down', () => {
  let s: ScalerState = initialState(3);
  s = decide(s, { backlog: 12, cpuPercents: [] }, policy, 0);
  s = decide(s, idle, policy, 60_000);
  s = decide(s, { backlog: 12, cpuPercents: [] }, policy, 100_000);
  s = decide(s, idle, policy, 150_000);
  expect(s.replicas).toBe(3);
});
