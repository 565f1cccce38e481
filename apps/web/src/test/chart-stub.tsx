/** Test stand-in for react-chartjs-2 (jsdom has no canvas): a figure listing each dataset's last value. */
interface Props {
  data: { labels?: unknown[]; datasets: { label?: string; data: unknown[] }[] };
}

function Chart({ data }: Props) {
  return (
    <ul data-testid="chart">
      {data.datasets.map((d) => (
        <li key={d.label}>
          {d.label}: {String(d.data[d.data.length - 1])}
        </li>
      ))}
    </ul>
  );
}

export const Line = Chart;
export const Bar = Chart;
