/** Logs as tests read them: a logger that keeps its lines, and a process's JSON lines parsed. */
import { pino, type Logger } from 'pino';

/** One line of a pgfan process's log, as pino writes it. */
export interface LogLine {
  level: number;
  msg: string;
  name?: string;
  [field: string]: unknown;
}

/** pino's number for each level. */
export const LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** A logger for code under test, and the lines it wrote (parsed). */
export function recordingLogger(): { logger: Logger; lines: LogLine[]; messages(): string[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines, messages: () => lines.map((line) => line.msg) };
}

/** The JSON lines in a process's output (anything else, e.g. a crash's stack on stderr, is skipped). */
export function logLines(output: string): LogLine[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}
