import type { ErrorRecord } from '@pgfan/contracts';

/** An error with its code, and a caret under its position in the SQL when it has one. */
export function ErrorView({ error, sql }: { error: ErrorRecord; sql?: string }) {
  const line = error.position && sql ? sql.split('\n')[error.position.line - 1] : undefined;
  return (
    <div className="error" role="alert">
      <p>
        <span className="code">{error.code}</span> {error.message}
      </p>
      {error.position && line !== undefined && (
        <pre className="error-position" aria-label={`line ${error.position.line}, column ${error.position.column}`}>
          {line}
          {'\n'}
          {' '.repeat(error.position.column - 1)}^
        </pre>
      )}
    </div>
  );
}
