/** Chart.js, with only the pieces the dashboard uses registered. */
import { BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineElement, PointElement, Tooltip, type ChartOptions } from 'chart.js';

Chart.register(CategoryScale, LinearScale, LineElement, PointElement, BarElement, Filler, Legend, Tooltip);

export const COLORS = ['#2563eb', '#16a34a', '#db2777', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04', '#4b5563'];

/** Shared line-chart options: no animation (a sample a second), compact axes. */
export function lineOptions(yTitle: string, stacked = false): ChartOptions<'line'> {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'index', intersect: false },
    elements: { point: { radius: 0 }, line: { borderWidth: 2, tension: 0.2 } },
    scales: {
      x: { ticks: { maxTicksLimit: 6, maxRotation: 0 } },
      y: { beginAtZero: true, stacked, title: { display: true, text: yTitle } },
    },
    plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
  };
}
