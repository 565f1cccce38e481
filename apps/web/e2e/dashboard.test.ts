/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against the
 * whole running system: type a query, run it, watch the pipeline reach "completed" and read the
 * right number; see it in History; see both job queues in Bull Board; see the banner when the
 * API goes away and the recovery when it is back. Screenshots land in artifacts/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startSystem, type System } from '@pgfan/testing';
import { Client } from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';

const SHOTS = join(__dirname, '..', '..', '..', 'artifacts', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let system: System;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // A record keeps 100 rows: larger results are paged from the stored result.
  const limits = { RESULT_MAX_ROWS: '100' };
  system = await startSystem({ label: 'dashboard', apiEnv: limits, workerEnv: limits });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function direct(sql: string): Promise<string> {
  const client = new Client({ connectionString: system.db.url });
  await client.connect();
  try {
    return String((await client.query({ text: sql, rowMode: 'array' })).rows[0]?.[0]);
  } finally {
    await client.end();
  }
}

test('run a query in the console and watch it complete with the right answer', async () => {
  await page.goto(system.url);
  await page.getByLabel('SQL').fill("SELECT country, count(*) AS views FROM events WHERE country = 'US' GROUP BY 1");
  await page.getByLabel('Partitions').selectOption('4');
  await page.getByLabel('SQL').press('Control+Enter');
  await page.locator('.query-head .badge', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
  const views = await direct("SELECT count(*) FROM events WHERE country = 'US'");
  await page.getByRole('cell', { name: views, exact: true }).waitFor();
  expect(await page.getByRole('listitem', { name: /fragment \d: done/ }).count()).toBe(4);
  expect(await page.getByRole('columnheader', { name: 'views bigint' }).isVisible()).toBe(true);
  await page.screenshot({ path: join(SHOTS, 'console.png'), fullPage: true });
}, 60_000);

test("a result larger than the record's preview is paged from the stored result", async () => {
  await page.getByLabel('SQL').fill('SELECT id, country FROM events ORDER BY id');
  await page.getByLabel('SQL').press('Control+Enter');
  await page.locator('.query-head .badge', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
  const total = await direct('SELECT count(*) FROM events');
  await page.getByText(`rows 1–100 of ${Number(total).toLocaleString('en-US')}`).waitFor();
  await page.getByRole('button', { name: 'Next ›' }).click();
  await page.getByRole('button', { name: 'Next ›' }).click();
  const id201 = await direct('SELECT id FROM events ORDER BY id OFFSET 200 LIMIT 1');
  await page.getByRole('cell', { name: id201, exact: true }).waitFor();
  expect(await page.locator('.result tbody tr').count()).toBe(100);
}, 60_000);

test('overview shows live workers, queues, throughput and latency', async () => {
  await page.getByRole('link', { name: 'Overview' }).click();
  const workers = page.locator('.tile', { hasText: 'Workers' }).locator('.tile-value');
  await workers.filter({ hasText: '2' }).waitFor({ timeout: 10_000 });
  expect(await page.locator('figure canvas').count()).toBe(5);
  expect(await page.getByRole('cell', { name: 'w1', exact: true }).isVisible()).toBe(true);
  await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
}, 60_000);

test('history lists the query and opens its record', async () => {
  await page.getByRole('link', { name: 'History' }).click();
  await page
    .getByRole('button', { name: /WHERE country = 'US'/ })
    .first()
    .click();
  await page.locator('.history .query-head .badge', { hasText: 'completed' }).waitFor();
  expect(page.url()).toMatch(/#\/history\/[0-9a-f-]{36}$/);
  await page.screenshot({ path: join(SHOTS, 'history.png'), fullPage: true });
}, 60_000);

test('Bull Board lists the fragment and combine queues', async () => {
  const board = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await board.goto(`${system.url}/admin/queues`);
  await board.getByText('pgfan-fragments').first().waitFor({ timeout: 20_000 });
  await board.getByText('pgfan-combine').first().waitFor();
  await board.screenshot({ path: join(SHOTS, 'bull-board.png'), fullPage: true });
  await board.close();
}, 60_000);

test('the banner says when the API is gone, and the page recovers when it is back', async () => {
  await page.getByRole('link', { name: 'Console' }).click();
  const port = new URL(system.url).port;
  system.api.kill('SIGKILL');
  await system.api.exited;
  await page.getByRole('alert').filter({ hasText: 'Connection to the API lost' }).waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(SHOTS, 'connection-lost.png') });
  await system.startApi({ PORT: port });
  await page.getByText('Reconnected.').waitFor({ timeout: 15_000 });
  await page.getByLabel('SQL').fill('SELECT count(*) FROM events');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.locator('.query-head .badge', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
}, 90_000);

test('readable on a narrow screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(SHOTS, 'narrow.png'), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}, 30_000);

test('started with API_KEYS, the dashboard asks for the key, and works once it has it', async () => {
  const key = 'browser-key-0123456789abcdef';
  const port = new URL(system.url).port;
  system.api.kill('SIGTERM');
  await system.api.exited;
  await system.startApi({ PORT: port, API_KEYS: key });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.reload();
  await page.locator('.connection', { hasText: 'key needed' }).waitFor({ timeout: 15_000 });
  const prompt = page.getByRole('dialog', { name: 'API key required' });
  await prompt.waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(SHOTS, 'api-key.png') });
  await prompt.getByLabel('API key').fill(key);
  await prompt.getByRole('button', { name: 'Use key' }).click();
  await page.locator('.connection', { hasText: 'live' }).waitFor({ timeout: 15_000 });
  await page.getByLabel('SQL').fill('SELECT count(*) FROM events');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.locator('.query-head .badge', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
  await page.getByRole('cell', { name: await direct('SELECT count(*) FROM events'), exact: true }).waitFor();
}, 90_000);
