/** A run's results for people: a Markdown summary and an SVG chart of speed-ups. */
import type { ClickBenchResults } from './clickbench';
import { bestDirect, cellOf, judgeTargets, type BenchResults } from './results';
import { scaleOutSpeedups, type ScaleOutResults } from './scale-out';
import { formatTimes, speedup } from './stats';

/** ", with 1 worker live", or nothing for older results. */
const workersLive = (n: number | undefined) => (n === undefined ? '' : `, with ${n} worker${n === 1 ? '' : 's'} live`);
const ms = (n: number) => (Number.isNaN(n) ? '–' : n < 10 ? `${n.toFixed(2)} ms` : n < 1000 ? `${n.toFixed(0)} ms` : `${(n / 1000).toFixed(2)} s`);
const rowsLabel = (rows: number) => (rows >= 1e6 ? `${rows / 1e6}M` : `${rows / 1e3}K`);

function tablesOf(results: BenchResults): { table: string; rows: number }[] {
  const seen = new Map<string, number>();
  for (const c of results.cells) seen.set(c.table, c.rows);
  return [...seen].map(([table, rows]) => ({ table, rows })).sort((a, b) => a.rows - b.rows);
}

/** What the cost model knew of the database: a run without it measures auto on PostgreSQL's plans as they came. */
function measuredLine(measured: BenchResults['measured']): string[] {
  if (!measured) return [];
  const { databaseParallelism: parallelism, parallelStartMs: startMs, msPerCost } = measured;
  if (parallelism === null)
    return ["The cost model had no measurement of the database: auto took PostgreSQL's plans as they came, every worker slot counted as a core."];
  const speed = msPerCost == null ? '' : `, ${(msPerCost * 1000).toFixed(2)} µs per unit of PostgreSQL's estimate`;
  const start = startMs === null ? '' : `, parallel workers starting in ${startMs.toFixed(0)} ms`;
  const unconfirmed = measured.confirmed === false ? ' (a measurement not yet confirmed by a second one: it may have been taken under load)' : '';
  return [`The cost model's measurement of the database: ${parallelism.toFixed(1)} sessions at full speed${speed}${start}${unconfirmed}.`];
}

export function renderMarkdown(results: BenchResults): string {
  const { machine } = results;
  const queries = [...new Set(results.cells.map((c) => c.query))];
  const lines = [
    `# pgfan benchmark${results.quick ? ' (quick)' : ''}`,
    '',
    `${results.startedAt}, commit ${results.commit ?? 'unknown'}. ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.postgres}.`,
    `pgfan workers: ${results.workers.atStart} at start, ${results.workers.atEnd} at the end. Each cell: the median (p95) of ${results.rounds} runs, modes interleaved.`,
    ...measuredLine(results.measured),
    `Ratios are how many times faster than direct serial PostgreSQL (× > 1 is faster); **bold** is the fastest mode.`,
    '',
    '## Targets',
    '',
    '| target | goal | measured | met |',
    '| --- | --- | --- | --- |',
    ...judgeTargets(results).map((t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.met === null ? 'not measured' : t.met ? 'yes' : '**no**'} |`),
  ];
  for (const { table, rows } of tablesOf(results)) {
    lines.push('', `## ${rowsLabel(rows)} rows (\`${table}\`)`, '', `| query | ${results.modes.join(' | ')} | auto vs faster direct |`);
    lines.push(`| --- | ${results.modes.map(() => '---:').join(' | ')} | ---: |`);
    for (const query of queries) {
      const serial = cellOf(results, table, query, 'direct-serial');
      const cells = results.modes.map((mode) => cellOf(results, table, query, mode));
      const fastest = Math.min(...cells.map((c) => c?.summary.median ?? Infinity));
      const shown = cells.map((c) => {
        if (!c) return '–';
        const text = `${ms(c.summary.median)} (${ms(c.summary.p95)})${c.mode === 'direct-serial' ? '' : ` ${formatTimes(speedup(serial?.summary.median ?? NaN, c.summary.median))}`}${c.mismatch ? ' ⚠ differs' : ''}`;
        return c.summary.median === fastest ? `**${text}**` : text;
      });
      const best = bestDirect(results, table, query);
      const auto = cellOf(results, table, query, 'pgfan-auto');
      lines.push(`| ${query} | ${shown.join(' | ')} | ${best && auto ? formatTimes(speedup(best.summary.median, auto.summary.median)) : '–'} |`);
    }
  }
  const { overhead, throughput } = results;
  lines.push(
    '',
    '## Dispatch overhead',
    '',
    `\`SELECT count(*)\` on a one-page table (\`${overhead.table}\`), pgfan forced to ${overhead.partitions} fragments, against the same query direct:`,
    `pgfan p50 ${ms(overhead.pgfan.median)} (p95 ${ms(overhead.pgfan.p95)}), direct p50 ${ms(overhead.direct.median)} (p95 ${ms(overhead.direct.p95)}): **${ms(overhead.overheadMs)}** of overhead at the median${workersLive(overhead.workers)}.`,
    ...(overhead.afterPause
      ? [
          '',
          `After ${overhead.afterPause.seconds} s without a query, before anything else in the run (what a dashboard's refresh meets; ${overhead.afterPause.pgfan.n} sample(s) a side): ` +
            `pgfan p50 ${ms(overhead.afterPause.pgfan.median)} (p95 ${ms(overhead.afterPause.pgfan.p95)}), direct p50 ${ms(overhead.afterPause.direct.median)} (p95 ${ms(overhead.afterPause.direct.p95)}): ` +
            `**${ms(overhead.afterPause.overheadMs)}** of overhead at the median${workersLive(overhead.afterPause.workers)}.`,
        ]
      : []),
    '',
    '## Throughput',
    '',
    `\`${throughput.sql}\` from as many concurrent clients as shown, each sending its next query when the last is answered: through pgfan's REST API (node:http, a kept-alive connection per client), and straight to PostgreSQL through a pool of up to 20 connections.`,
    '',
    '| clients | pgfan queries/s | p50 | p99 | errors | PostgreSQL queries/s | p50 | p99 |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...throughput.runs.map((r) => {
      const d = throughput.direct.find((x) => x.users === r.users);
      const baseline = d ? `${d.perSecond.toFixed(0)} | ${ms(d.p50)} | ${ms(d.p99)}` : '– | – | –';
      return `| ${r.users} | ${r.perSecond.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.errors} | ${baseline} |`;
    }),
  );
  if (results.protocol) lines.push('', ...protocolLines(results));
  if (results.clickbench) lines.push('', ...clickBenchLines(results.clickbench));
  if (results.scaleOut) lines.push('', ...scaleOutLines(results.scaleOut));
  return `${lines.join('\n')}\n`;
}

/** The PostgreSQL protocol section: the headline query through pgfan's port, beside PostgreSQL's own. */
function protocolLines(results: BenchResults): string[] {
  const protocol = results.protocol as NonNullable<BenchResults['protocol']>;
  const head = ['## The PostgreSQL protocol', ''];
  if ('skipped' in protocol) return [...head, `Not measured: ${protocol.skipped}.`];
  return [
    ...head,
    `\`${results.throughput.sql}\` through pgfan's PostgreSQL port (node-postgres, a pool of up to 20 connections, as for PostgreSQL itself), beside PostgreSQL's own port; p50 at 1 client is the headline query's latency.`,
    '',
    '| clients | pgfan port queries/s | p50 | p99 | errors | PostgreSQL queries/s | p50 | p99 | ratio |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...protocol.runs.map((r) => {
      const d = results.throughput.direct.find((x) => x.users === r.users);
      const baseline = d ? `${d.perSecond.toFixed(0)} | ${ms(d.p50)} | ${ms(d.p99)} | ${(r.perSecond / d.perSecond).toFixed(2)}` : '– | – | – | –';
      return `| ${r.users} | ${r.perSecond.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.errors} | ${baseline} |`;
    }),
  ];
}

/** The ClickBench section: each query on both sides, and the totals. */
function clickBenchLines(c: ClickBenchResults): string[] {
  const fanned = c.cells.filter((cell) => cell.partitions.some((n) => n > 1)).length;
  return [
    '## ClickBench',
    '',
    `ClickBench's 43 PostgreSQL queries (\`apps/cli/clickbench/queries.sql\`, HAVING thresholds scaled to the size) on ${c.rows.toLocaleString('en-US')} generated rows with its \`hits\` schema (\`${c.table}\`): PostgreSQL with its parallel query against pgfan in automatic mode, which fanned out ${fanned} of them. The ratio is pgfan's time over PostgreSQL's (below 1 is faster).`,
    '',
    '| query | PostgreSQL | pgfan auto | fragments | ratio |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...c.cells.map(
      (cell) =>
        `| Q${cell.number} | ${ms(cell.direct.median)} | ${ms(cell.pgfan.median)}${cell.mismatch ? ' ⚠ differs' : ''} | ${cell.partitions.join(', ')} | ${formatTimes(cell.pgfan.median / cell.direct.median)} |`,
    ),
    `| **total** | **${ms(c.total.direct)}** | **${ms(c.total.pgfan)}** | | **${formatTimes(c.total.pgfan / c.total.direct)}** |`,
  ];
}

/** The scale-out section: each mode per query, and the spread's speed-up over PostgreSQL's best on one replica. */
function scaleOutLines(scaleOut: ScaleOutResults): string[] {
  // PostgreSQL on one replica first, then pgfan's spreads.
  const modes = [...new Set(scaleOut.cells.map((c) => c.mode))].sort((a, b) => Number(a.startsWith('spread-')) - Number(b.startsWith('spread-')));
  const where = scaleOut.servers.map((s) => `${s.name} (cores ${s.cpus ?? 'unknown'})`).join(', ');
  const speedups = new Map(scaleOutSpeedups(scaleOut).map((s) => [s.query, s.speedup]));
  return [
    '## Scale-out',
    '',
    `${rowsLabel(scaleOut.rows)} rows (\`${scaleOut.table}\`) on two streaming replicas, ${where}. \`one-*\`: PostgreSQL on the first replica alone (serial, its own parallel plan, and for COUNT(DISTINCT) the DISTINCT-subquery rewrite); \`spread-2×N\`: pgfan, N fragments over both replicas at one exact cut, with the cut's median cost.`,
    '',
    `| query | ${modes.join(' | ')} | spread vs best on one |`,
    `| --- | ${modes.map(() => '---:').join(' | ')} | ---: |`,
    ...[...new Set(scaleOut.cells.map((c) => c.query))].map((query) => {
      const shown = modes.map((mode) => {
        const c = scaleOut.cells.find((x) => x.query === query && x.mode === mode);
        if (!c) return '–';
        const cut = c.cutMs === undefined ? '' : ` (cut ${ms(c.cutMs)}${c.fellBack ? `, ${c.fellBack} on one server` : ''})`;
        return `${ms(c.summary.median)}${cut}${c.mismatch ? ' ⚠ differs' : ''}`;
      });
      return `| ${query} | ${shown.join(' | ')} | ${formatTimes(speedups.get(query) ?? NaN)} |`;
    }),
    ...groupCommitLines(scaleOut.groupCommit),
  ];
}

/** The cut's cost when several spread queries share it, like a group commit. */
function groupCommitLines(g: ScaleOutResults['groupCommit']): string[] {
  if (!g) return [];
  const shared = g.sharedMs === null ? 'none shared one' : `the others took one already made (${ms(g.sharedMs)} median)`;
  const fellBack = g.fellBack ? `; ${g.fellBack} ran on one server` : '';
  return [
    '',
    `${g.queries} spread \`count\` queries sent at once took ${g.cuts} cut(s) (${ms(g.madeMs)} median to make); ${shared}${fellBack}: **${ms(g.perQueryMs)} of cut per query**.`,
  ];
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = ['#64748b', '#0ea5e9', '#16a34a', '#a855f7', '#f97316', '#e11d48', '#eab308'];

/** Grouped bars: for the largest table, each mode's speed-up over direct serial, per query. */
export function renderSvg(results: BenchResults): string {
  const largest = tablesOf(results).at(-1);
  const queries = [...new Set(results.cells.map((c) => c.query))];
  const modes = results.modes.filter((m) => m !== 'direct-serial');
  const value = (query: string, mode: string) => {
    const serial = largest && cellOf(results, largest.table, query, 'direct-serial');
    const cell = largest && cellOf(results, largest.table, query, mode);
    return serial && cell ? speedup(serial.summary.median, cell.summary.median) : 0;
  };
  const top = Math.max(2, Math.ceil(Math.max(...queries.flatMap((q) => modes.map((m) => value(q, m))).filter(Number.isFinite))));
  const [left, plotTop, groupWidth, barWidth, plotHeight] = [60, 50, 28 + modes.length * 14, 12, 260];
  const width = left + queries.length * groupWidth + 20;
  const height = plotTop + plotHeight + 110;
  const y = (v: number) => plotTop + plotHeight - (Math.min(v, top) / top) * plotHeight;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="600">${escape(`Speed-up over direct serial PostgreSQL, ${largest ? rowsLabel(largest.rows) : ''} rows (median; higher is faster)`)}</text>`,
  ];
  for (let tick = 0; tick <= top; tick += top > 8 ? 2 : 1) {
    parts.push(
      `<line x1="${left}" x2="${width - 20}" y1="${y(tick)}" y2="${y(tick)}" stroke="${tick === 1 ? '#111' : '#e5e7eb'}"${tick === 1 ? ' stroke-dasharray="4 3"' : ''}/>`,
    );
    parts.push(`<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick}×</text>`);
  }
  queries.forEach((query, q) => {
    const x0 = left + q * groupWidth + 14;
    modes.forEach((mode, m) => {
      const v = value(query, mode);
      parts.push(
        `<rect x="${x0 + m * 14}" y="${y(v)}" width="${barWidth}" height="${plotTop + plotHeight - y(v)}" fill="${COLORS[m % COLORS.length]}"><title>${escape(`${query}, ${mode}: ${v.toFixed(2)}×`)}</title></rect>`,
      );
    });
    parts.push(`<text x="${x0 + (modes.length * 14) / 2}" y="${plotTop + plotHeight + 16}" text-anchor="middle">${escape(query)}</text>`);
  });
  modes.forEach((mode, m) => {
    const x = left + m * 130;
    parts.push(`<rect x="${x}" y="${plotTop + plotHeight + 40}" width="10" height="10" fill="${COLORS[m % COLORS.length]}"/>`);
    parts.push(`<text x="${x + 14}" y="${plotTop + plotHeight + 49}">${escape(mode)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
