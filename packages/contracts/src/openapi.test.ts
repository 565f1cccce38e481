/**
 * The OpenAPI document against Redocly's recommended rules (the API's own test validates the
 * served copy against the OpenAPI 3.1 schema): no errors, and no warning but one by design — the
 * probes answer 200 or 503, never a 4xx.
 */
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { openApiDocument } from './openapi';

test("Redocly's recommended rules find no error", async () => {
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({ source: JSON.stringify(openApiDocument('0.0.0')), absoluteRef: 'openapi.json', config });
  expect(problems.filter((p) => p.severity === 'error').map((p) => p.message)).toEqual([]);
  expect(problems.map((p) => [p.ruleId, p.location[0]?.pointer])).toEqual([
    ['operation-4xx-response', '#/paths/~1api~1health/get/responses'],
    ['operation-4xx-response', '#/paths/~1api~1health~1live/get/responses'],
  ]);
});
