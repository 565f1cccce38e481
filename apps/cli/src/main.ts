#!/usr/bin/env node
/** `npm run query`: runs SELECTs through pgfan and prints results or JSON query records. */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { QueryRecord } from '@pgfan/contracts';
import { createQueryPool, resultHeader, resultLines, runLocal, TypeNames } from '@pgfan/engine';
import { PgfanUnreachableError, type PgfanClient } from '@pgfan/client';
import { apiClient } from './api';
import { parseCliArgs, queriesInFile, USAGE, UsageError, type CliOptions } from './args';
import { loadEnv, redactUrl, type CliEnv } from './env';
import { formatRecord, summary } from './format';
import { asRecord, progressLine, runRemote, withAllRows } from './remote';

async function queriesOf(options: CliOptions): Promise<string[]> {
  return options.file ? queriesInFile(await readFile(options.file, 'utf8')) : [options.sql ?? ''];
}

/** Through the API: the query runs on the workers; a progress bar shows its fragments. */
async function runThroughApi(options: CliOptions, api: PgfanClient): Promise<number> {
  let failed = 0;
  const tty = process.stderr.isTTY && options.format !== 'json';
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
      if (!(error instanceof PgfanUnreachableError)) throw error;
      process.stderr.write(`${error.message}; start it with npm start, or run with --local\n`);
      return 1;
    }
    if (tty) process.stderr.write('\r\x1b[K');
    if ('id' in outcome && options.format === 'csv' && outcome.status === 'completed') {
      process.stdout.write(await api.resultCsv(outcome.id));
      process.stderr.write(`${summary(asRecord(outcome))}\n`);
      continue;
    }
    const whole = 'id' in outcome ? await withAllRows(api, outcome) : outcome;
    const record = asRecord(whole);
    if (record.status === 'failed') failed++;
    print(options, record, whole);
  }
  return failed > 0 ? 1 : 0;
}

/** Prints one query's outcome as `--format` says; `json` is `raw` (the API's view, or the local record). */
function print(options: CliOptions, record: QueryRecord, raw: unknown): void {
  if (options.format === 'json') return void process.stdout.write(`${JSON.stringify(raw)}\n`);
  if (options.format === 'csv' && record.status === 'completed' && record.result) {
    process.stdout.write(resultHeader('text/csv', record.result.columns) + resultLines('text/csv', record.result.columns, record.result.rows));
    return void process.stderr.write(`${summary(record)}\n`);
  }
  if (options.format === 'csv') return void process.stderr.write(`${formatRecord(record)}\n`);
  process.stdout.write(`${formatRecord(record)}\n\n`);
}

async function run(options: CliOptions, env: CliEnv): Promise<number> {
  if (!options.local) return runThroughApi(options, apiClient(env));
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
      print(options, record, record);
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
