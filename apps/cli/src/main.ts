#!/usr/bin/env node
/** `npm run query`: runs SELECTs through pgfan and prints results or JSON query records. */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createQueryPool, runLocal, TypeNames } from '@pgfan/engine';
import { parseCliArgs, queriesInFile, USAGE, UsageError, type CliOptions } from './args';
import { loadEnv, redactUrl } from './env';
import { formatRecord } from './format';

async function run(options: CliOptions, databaseUrl: string): Promise<number> {
  if (!options.local) {
    process.stderr.write('Submitting through the API needs the execution service, which is not built yet. Run with --local to plan and execute in this process.\n');
    return 2;
  }
  const queries = options.file ? queriesInFile(await readFile(options.file, 'utf8')) : [options.sql ?? ''];
  const concurrency = options.partitions ?? options.workers;
  const pool = createQueryPool({ connectionString: databaseUrl, max: Math.min(concurrency, 16) + 2, applicationName: 'pgfan-cli' });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    process.stderr.write(`cannot reach PostgreSQL at ${redactUrl(databaseUrl)}: ${(error as Error).message}\n`);
    await pool.end();
    return 1;
  }
  const typeNames = new TypeNames();
  let failed = 0;
  try {
    for (const sql of queries) {
      const record = await runLocal(pool, sql, { partitions: options.partitions, workers: options.workers, partitionKey: options.partitionBy }, typeNames);
      if (record.status === 'failed') failed++;
      process.stdout.write(options.json ? `${JSON.stringify(record)}\n` : `${formatRecord(record)}\n\n`);
    }
  } finally {
    await pool.end();
  }
  return failed > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  let options: CliOptions | 'help';
  let env;
  try {
    env = loadEnv(process.env);
    options = parseCliArgs(process.argv.slice(2), { workers: availableParallelism() });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${error instanceof UsageError ? `\n${USAGE}\n` : ''}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  return run(options, env.DATABASE_URL);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`pgfan-query: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
