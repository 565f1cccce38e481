import type { JsonValue, ResultSet } from '@pgfan/contracts';
import { formatCount } from '../lib/format';

const NUMERIC = /^(smallint|integer|bigint|real|double precision|numeric|money)/;

function cell(value: JsonValue) {
  return value === null ? <span className="null">NULL</span> : String(value);
}

/** The result rows, with each column's name and type. */
export function ResultTable({ result }: { result: ResultSet }) {
  const numeric = result.columns.map((c) => NUMERIC.test(c.type));
  return (
    <section className="result" aria-label="Result">
      <p className="result-summary">
        {formatCount(result.rowCount)} row{result.rowCount === 1 ? '' : 's'}
        {result.truncated && ` — showing the first ${formatCount(result.rows.length)}`}
      </p>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              {result.columns.map((c, i) => (
                <th key={i} scope="col" className={numeric[i] ? 'num' : undefined}>
                  {c.name}
                  <span className="type">{c.type}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.rows.map((row, r) => (
              <tr key={r}>
                {row.map((value, c) => (
                  <td key={c} className={numeric[c] ? 'num' : undefined}>
                    {cell(value)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
