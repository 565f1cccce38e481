/** Reading Prometheus' text format in tests. */

/** The value of the sample `name{labels…}` (its first labels as written, in order), 0 if absent. */
export function metricSample(text: string, name: string, labels: string): number {
  const prefix = `${name}{${labels}`;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
