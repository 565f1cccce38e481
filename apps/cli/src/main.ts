#!/usr/bin/env node
/** `npm run query`: runs SELECTs through pgfan and prints results or JSON query records. */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createQueryPool, runLocal, TypeNames } from '@pgfan/engine';
import { apiTarget, type ApiTarget } from './api';
import { parseCliArgs, queriesInFile, USAGE, UsageError, type CliOptions } from './args';
import { loadEnv, redactUrl, type CliEnv } from './env';
import { formatRecord } from './format';
import { ApiUnreachableError, asRecord, progressLine, runRemote } from './remote';

async function queriesOf(options: CliOptions): Promise<string[]> {
  return options.file ? queriesInFile(await readFile(options.file, 'utf8')) : [options.sql ?? ''];
}

/** Through the API: the query runs on the workers; a progress bar shows its fragments. */
async function runThroughApi(options: CliOptions, api: ApiTarget): Promise<number> {
  let failed = 0;
  const tty = process.stderr.isTTY && !options.json;
  for (const sql of await queriesOf(options)) {
    const started = Date.now();
    let outcome;
    try {
      outcome = await runRemote(
        api,
        sql,
        { partitions: options.partitions, servers: options.servers },
        tty ? (view) => process.stderr.write(`\r${progressLine(view, Date.now() - started)}`) : undefined,
      );
    } catch (error) {
      if (!(error instanceof ApiUnreachableError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    if (tty) process.stderr.write('\r\x1b[K');
    const record = asRecord(outcome);
    if (record.status === 'failed') failed++;
    process.stdout.write(options.json ? `${JSON.stringify(outcome)}\n` : `${formatRecord(record)}\n\n`);
  }
  return failed > 0 ? 1 : 0;
}

async function run(options: CliOptions, env: CliEnv): Promise<number> {
  if (!options.local) return runThroughApi(options, apiTarget(env));
  const databaseUrl = env.DATABASE_URL;
  const queries = await queriesOf(options);
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
  return run(options, env);
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
