/**
 * The worker autoscaling policy, in one place: the KEDA ScaledObject in infra/keda is checked
 * against it by a test, and the local supervisor (npm start) applies it to worker processes.
 */
export const SCALING = {
  minReplicas: 1,
  maxReplicas: 10,
  /** Waiting fragment jobs per worker before another worker is wanted (KEDA listLength). */
  backlogPerWorker: 4,
  /** Average CPU use per worker, in percent of its request (one core locally), that the CPU trigger aims for. */
  cpuUtilization: 50,
  /** Scale up at once... */
  scaleUpStabilizationSeconds: 0,
  /** ...at most doubling, or adding this many workers, per period. */
  scaleUpMaxPodsPerPeriod: 4,
  scaleUpPeriodSeconds: 15,
  /** Scale down only when fewer workers have been enough for this long... */
  scaleDownStabilizationSeconds: 120,
  /** ...and then one worker per period. */
  scaleDownPodsPerPeriod: 1,
  scaleDownPeriodSeconds: 30,
  /** How often the autoscaler looks (KEDA pollingInterval). */
  pollingIntervalSeconds: 5,
} as const;

export type ScalingPolicy = { -readonly [K in keyof typeof SCALING]: number };
