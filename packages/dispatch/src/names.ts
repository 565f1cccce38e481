/** Names shared by the processes that run a query, so any of them can find its parts. */

/** BullMQ job ids (no ':' — BullMQ uses it in keys). */
export const jobIds = {
  coordinate: (queryId: string, generation: number) => `${queryId}.g${generation}`,
  combine: (queryId: string, generation: number) => `${queryId}.g${generation}.combine`,
  fragment: (queryId: string, generation: number, index: number) => `${queryId}.g${generation}.f${index}`,
};

/** Fragment index from a fragment job id. */
export function fragmentIndexOf(jobId: string): number {
  const match = /\.f(\d+)$/.exec(jobId);
  if (!match) throw new Error(`not a fragment job id: ${jobId}`);
  return Number(match[1]);
}

/**
 * The `application_name` a fragment's session runs under, so a cancel can find its backend in
 * pg_stat_activity from any process: `pgfan:<query>:<generation>:<fragment>` (≤ 63 bytes).
 */
export function fragmentApplicationName(queryId: string, generation: number, index: number): string {
  return `pgfan:${queryId}:${generation}:${index}`;
}

/** `LIKE` pattern matching the fragment sessions of a query (of one generation, or all). */
export function queryApplicationPattern(queryId: string, generation?: number): string {
  return generation === undefined ? `pgfan:${queryId}:%` : `pgfan:${queryId}:${generation}:%`;
}
