/** Failures of fragment jobs arrive as text; the record needs their code back. */

/** The error record for a failure message a fragment job left: `CODE: message`. */
export function parseFailure(reason: string): { code: string; message: string } {
  const match = /^([A-Z_]+): ([\s\S]*)$/.exec(reason);
  return match ? { code: match[1] as string, message: match[2] as string } : { code: 'QUERY_FAILED', message: reason };
}
