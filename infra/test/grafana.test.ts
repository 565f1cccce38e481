/**
 * infra/grafana/pgfan.json asks only for metric families pgfan exports (runtime/metrics.ts, the
 * API's scraped gauges, BullMQ's export, the process figures): a renamed metric fails here, not on
 * someone's empty panel.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './manifests';

const dashboard = JSON.parse(readFileSync(join(ROOT, 'infra/grafana/pgfan.json'), 'utf8')) as {
  uid: string;
  panels: { title: string; targets: { expr: string }[]; gridPos: { x: number; y: number; w: number; h: number } }[];
};
const sources = ['packages/runtime/src/metrics.ts', 'apps/api/src/metrics.ts'].map((p) => readFileSync(join(ROOT, p), 'utf8')).join('\n');

test('every panel queries families pgfan exports', () => {
  const families = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\b(pgfan|bullmq)_[a-z_]+/g) ?? [])));
  expect(families.size).toBeGreaterThan(10);
  const exported = (family: string) => {
    // A histogram's series are its name with _bucket, _count or _sum.
    const histogram = family.replace(/_(bucket|count|sum)$/, '');
    return (
      [family, histogram].some((name) => sources.includes(`'${name}'`)) ||
      /^bullmq_job_(count|completed_total|failed_total)$/.test(family) ||
      /^pgfan_(process|nodejs)_/.test(family)
    );
  };
  expect([...families].filter((f) => !exported(f))).toEqual([]);
});

test('panels do not overlap, and the dashboard has a stable uid to import it by', () => {
  expect(dashboard.uid).toBe('pgfan-overview');
  const cells = new Set<string>();
  for (const { gridPos: g } of dashboard.panels) {
    for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) cells.add(`${x},${y}`);
  }
  expect(cells.size).toBe(dashboard.panels.reduce((n, { gridPos: g }) => n + g.w * g.h, 0));
});
