import type { DatabaseServerReport, SystemStats, WorkerScale } from '@pgfan/contracts';
import { useId, type ReactNode } from 'react';
import { Bar, Line } from 'react-chartjs-2';
import { formatBytes, formatMs } from '../lib/format';
import type { ApiSocket } from '../lib/socket';
import { useSystemStats } from '../lib/use-system-stats';
import { COLORS, lineOptions } from './charts';

const label = (s: SystemStats) => new Date(s.at).toLocaleTimeString('en-GB', { hour12: false });

/** A titled chart; the title names the figure for assistive technology. */
function ChartPanel({ title, wide = false, children }: { title: string; wide?: boolean; children: ReactNode }) {
  const id = useId();
  return (
    <figure className={`chart panel${wide ? ' chart-wide' : ''}`} aria-labelledby={id}>
      <figcaption id={id}>{title}</figcaption>
      <div className="chart-box">{children}</div>
    </figure>
  );
}

function Tile({ name, value, hint }: { name: string; value: string; hint?: string }) {
  return (
    <div className="tile">
      <span className="tile-name">{name}</span>
      <span className="tile-value">{value}</span>
      {hint && <span className="tile-hint">{hint}</span>}
    </div>
  );
}

/** e.g. "autoscaler (HPA) wants 4, of 1–10". */
function scaleHint(scale: WorkerScale): string {
  return `${scale.scaler === 'kubernetes' ? 'autoscaler (HPA)' : 'supervisor'} wants ${scale.desired}, of ${scale.min}–${scale.max}`;
}

/** How far a replica is behind, whether its replay is paused, and whether it runs without hot_standby_feedback. */
function ReplayLag({ server }: { server: DatabaseServerReport }) {
  return (
    <>
      {server.lagBytes === null ? '?' : formatBytes(server.lagBytes)}
      {server.replayPaused ? ' (paused)' : ''}
      {server.hotStandbyFeedback === false ? (
        <span
          className="warning"
          title="replay waits for the snapshots of queries reading this replica: a spread query may read one server (docs/scale-out.md)"
        >
          {' '}
          (no hot_standby_feedback)
        </span>
      ) : null}
    </>
  );
}

/** The primary and its replicas: where each stands, how far behind, how busy. */
function DatabaseServers({ servers }: { servers: DatabaseServerReport[] }) {
  return (
    <table className="panel servers" aria-label="Database servers">
      <thead>
        <tr>
          <th>server</th>
          <th>role</th>
          <th>WAL position</th>
          <th>replay lag</th>
          <th>running</th>
          <th title="sessions it runs at full speed at once, as last measured">capacity</th>
        </tr>
      </thead>
      <tbody>
        {servers.map((s) => (
          <tr key={s.name} className={s.reachable ? '' : 'unreachable'}>
            <td>{s.name}</td>
            <td>{s.role}</td>
            <td>{s.lsn ?? 'unreachable'}</td>
            <td>{s.role === 'primary' ? '–' : <ReplayLag server={s} />}</td>
            <td>{s.active}</td>
            <td>{s.parallelism === null || s.parallelism === undefined ? '–' : s.parallelism.toFixed(1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Live workers, queue depth, throughput, latency and load per worker, over the last minutes. */
export function Overview({ socket }: { socket: ApiSocket }) {
  const series = useSystemStats(socket);
  const latest = series[series.length - 1];
  if (!latest) return <p className="panel muted">Waiting for the first measurements…</p>;
  const labels = series.map(label);
  const queueNames = latest.queues.map((q) => q.name);
  return (
    <div className="overview">
      <div className="tiles" aria-label="Now">
        <Tile
          name="Workers"
          value={String(latest.workers.length)}
          hint={`${latest.workers.reduce((n, w) => n + w.concurrency, 0)} fragment slots${latest.replicas ? `; ${scaleHint(latest.replicas)}` : ''}`}
        />
        <Tile name="Throughput" value={`${latest.throughput.toFixed(1)} /s`} hint="queries finished, last 10 s" />
        <Tile name="Latency p50" value={formatMs(latest.latency.p50)} hint={`${latest.latency.count} queries, last minute`} />
        <Tile name="Latency p95" value={formatMs(latest.latency.p95)} />
        <Tile name="Waiting fragments" value={String(latest.queues.find((q) => q.name.endsWith('fragments'))?.waiting ?? 0)} />
      </div>
      {latest.servers && <DatabaseServers servers={latest.servers} />}
      <div className="charts">
        <ChartPanel title="Live workers">
          <Line
            data={{
              labels,
              datasets: [
                {
                  label: 'workers',
                  data: series.map((s) => s.workers.length),
                  borderColor: COLORS[0],
                  backgroundColor: `${COLORS[0]}33`,
                  fill: true,
                  stepped: true,
                },
                // What the autoscaler asks for: the live line follows it as workers start and stop.
                ...(series.some((s) => s.replicas)
                  ? [{ label: 'wanted', data: series.map((s) => s.replicas?.desired ?? null), borderColor: COLORS[1], borderDash: [6, 4], stepped: true }]
                  : []),
              ],
            }}
            options={lineOptions('workers')}
          />
        </ChartPanel>
        <ChartPanel title="Queue depth (waiting + active)">
          <Line
            data={{
              labels,
              datasets: queueNames.map((name, i) => ({
                label: name.replace(/^pgfan-/, ''),
                data: series.map((s) => {
                  const q = s.queues.find((x) => x.name === name);
                  return q ? q.waiting + q.active : 0;
                }),
                borderColor: COLORS[i % COLORS.length],
              })),
            }}
            options={lineOptions('jobs')}
          />
        </ChartPanel>
        <ChartPanel title="Throughput">
          <Line
            data={{
              labels,
              datasets: [
                { label: 'queries / s', data: series.map((s) => s.throughput), borderColor: COLORS[1], backgroundColor: `${COLORS[1]}33`, fill: true },
              ],
            }}
            options={lineOptions('queries / s')}
          />
        </ChartPanel>
        <ChartPanel title="Latency (last minute)">
          <Line
            data={{
              labels,
              datasets: [
                { label: 'p50', data: series.map((s) => s.latency.p50), borderColor: COLORS[2] },
                { label: 'p95', data: series.map((s) => s.latency.p95), borderColor: COLORS[3] },
              ],
            }}
            options={lineOptions('ms')}
          />
        </ChartPanel>
        <ChartPanel title="Load per worker" wide>
          <Bar
            data={{
              labels: latest.workers.map((w) => w.id),
              datasets: [
                { label: 'CPU %', data: latest.workers.map((w) => w.cpuPercent), backgroundColor: COLORS[0], yAxisID: 'y' },
                { label: 'active jobs', data: latest.workers.map((w) => w.activeJobs), backgroundColor: COLORS[3], yAxisID: 'jobs' },
              ],
            }}
            options={{
              animation: false,
              responsive: true,
              maintainAspectRatio: false,
              scales: {
                y: { beginAtZero: true, title: { display: true, text: 'CPU % of one core' } },
                jobs: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'active jobs' } },
              },
              plugins: { legend: { position: 'bottom' } },
            }}
          />
        </ChartPanel>
      </div>
      <section className="panel" aria-label="Workers">
        <h2>Workers</h2>
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">worker</th>
                <th scope="col">host</th>
                <th scope="col" className="num">
                  pid
                </th>
                <th scope="col" className="num">
                  CPU %
                </th>
                <th scope="col" className="num">
                  memory
                </th>
                <th scope="col" className="num">
                  active
                </th>
                <th scope="col" className="num">
                  processed
                </th>
                <th scope="col" className="num">
                  failed
                </th>
              </tr>
            </thead>
            <tbody>
              {latest.workers.map((w) => (
                <tr key={w.id}>
                  <td>{w.id}</td>
                  <td>{w.host}</td>
                  <td className="num">{w.pid}</td>
                  <td className="num">{w.cpuPercent.toFixed(1)}</td>
                  <td className="num">{formatBytes(w.rssBytes)}</td>
                  <td className="num">{w.activeJobs}</td>
                  <td className="num">{w.processed}</td>
                  <td className="num">{w.failed}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
