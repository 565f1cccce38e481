/**
 * The autoscaling decision, as the Kubernetes HPA (behind KEDA) makes it, so `npm start`'s local
 * supervisor and the cluster follow one policy (`SCALING`):
 * - each metric recommends ceil(current value / target) workers — backlog per worker, and CPU
 *   utilization — and the larger recommendation wins, within [min, max];
 * - scaling up happens at once, by at most max(double, +N) per period;
 * - scaling down waits until every recommendation of the stabilization window agrees, then
 *   removes at most N per period.
 * Pure: the supervisor feeds it samples and applies its answers.
 */
import type { ScalingPolicy } from '@pgfan/contracts';

export interface ScalingSample {
  /** Fragment jobs waiting (the KEDA redis trigger's list length). */
  backlog: number;
  /** CPU use of each live worker, in percent of one core. */
  cpuPercents: number[];
}

export interface ScalerState {
  replicas: number;
  /** Recommendations within the scale-down stabilization window. */
  recommendations: { at: number; replicas: number }[];
  lastScaleUpAt: number;
  lastScaleDownAt: number;
}

export function initialState(replicas: number): ScalerState {
  return { replicas, recommendations: [], lastScaleUpAt: -Infinity, lastScaleDownAt: -Infinity };
}

/** What the metrics alone ask for, within [min, max]. */
export function recommend(sample: ScalingSample, policy: ScalingPolicy): number {
  const byBacklog = Math.ceil(sample.backlog / policy.backlogPerWorker);
  const byCpu = Math.ceil(sample.cpuPercents.reduce((sum, cpu) => sum + cpu, 0) / policy.cpuUtilization);
  return Math.min(policy.maxReplicas, Math.max(policy.minReplicas, byBacklog, byCpu));
}

/** The next state after a sample taken at `now` (milliseconds). */
export function decide(state: ScalerState, sample: ScalingSample, policy: ScalingPolicy, now: number): ScalerState {
  const wanted = recommend(sample, policy);
  const recommendations = [...state.recommendations.filter((r) => r.at > now - policy.scaleDownStabilizationSeconds * 1000), { at: now, replicas: wanted }];
  const next = { ...state, recommendations };
  const current = state.replicas;
  if (wanted > current) {
    if (now - state.lastScaleUpAt < policy.scaleUpPeriodSeconds * 1000 && state.lastScaleUpAt !== -Infinity) return next;
    const step = Math.max(current, policy.scaleUpMaxPodsPerPeriod);
    return { ...next, replicas: Math.min(wanted, current + step), lastScaleUpAt: now };
  }
  // Scale down only to what every recent recommendation allows.
  const stable = Math.max(...recommendations.map((r) => r.replicas));
  if (stable < current && now - state.lastScaleDownAt >= policy.scaleDownPeriodSeconds * 1000) {
    return { ...next, replicas: Math.max(stable, current - policy.scaleDownPodsPerPeriod), lastScaleDownAt: now };
  }
  return next;
}
