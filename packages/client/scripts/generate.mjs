/**
 * Writes src/openapi.ts: the TypeScript types of pgfan's OpenAPI document (openapi-typescript),
 * which @pgfan/contracts generates from the zod schemas the API validates with. Run it after a
 * change to the API's contract (`npm run generate -w @pgfan/client`, after a build of contracts);
 * `--check` only says whether the file is current (a test runs it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';

const require = createRequire(import.meta.url);
const { openApiDocument } = require('@pgfan/contracts');
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const target = fileURLToPath(new URL('../src/openapi.ts', import.meta.url));

const HEADER = `/**
 * Generated from pgfan's OpenAPI document (@pgfan/contracts \`openApiDocument\`) by
 * scripts/generate.mjs: do not edit. A test fails when it is out of date.
 */
`;

const types = astToString(await openapiTS(openApiDocument(version), { exportType: false }));
const text = await prettier.format(HEADER + types, { ...(await prettier.resolveConfig(target)), filepath: target });

if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    process.stderr.write('packages/client/src/openapi.ts is out of date: run npm run generate -w @pgfan/client\n');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
