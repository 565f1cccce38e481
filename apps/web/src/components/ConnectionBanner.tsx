import type { ConnectionState } from '../lib/socket';

/** Says when the live connection to the API is down, and when it is back. */
export function ConnectionBanner({ state }: { state: ConnectionState }) {
  if (state === 'lost') {
    return (
      <div className="banner banner-lost" role="alert">
        Connection to the API lost — reconnecting… Queries keep running; this page catches up when it is back.
      </div>
    );
  }
  if (state === 'restored') {
    return (
      <div className="banner banner-restored" role="status">
        Reconnected.
      </div>
    );
  }
  return null;
}
