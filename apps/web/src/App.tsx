import { useEffect, useMemo, useState } from 'react';
import { ConnectionBanner } from './components/ConnectionBanner';
import { Console } from './components/Console';
import { History } from './components/History';
import { KeyPrompt } from './components/KeyPrompt';
import { Overview } from './components/Overview';
import { connect, useConnectionState, type ApiSocket } from './lib/socket';

/** Set by Vite at build time (vite.config.ts); tests run without it. */
declare const __PGFAN_VERSION__: string | undefined;
const PGFAN_VERSION = typeof __PGFAN_VERSION__ === 'string' ? __PGFAN_VERSION__ : 'dev';

type Page = { name: 'console' } | { name: 'overview' } | { name: 'history'; id: string | null };

/** `#/history/<id>` and friends: bookmarkable, and the back button works. */
export function parseHash(hash: string): Page {
  const [page, id] = hash.replace(/^#\/?/, '').split('/') as [string, string?];
  if (page === 'overview') return { name: 'overview' };
  if (page === 'history') return { name: 'history', id: id ?? null };
  return { name: 'console' };
}

function useHashPage(): Page {
  const [page, setPage] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setPage(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return page;
}

const TABS: { name: Page['name']; label: string }[] = [
  { name: 'console', label: 'Console' },
  { name: 'overview', label: 'Overview' },
  { name: 'history', label: 'History' },
];

export function App({ socket: given }: { socket?: ApiSocket }) {
  const socket = useMemo(() => given ?? connect(), [given]);
  const connection = useConnectionState(socket);
  const page = useHashPage();
  return (
    <>
      <header className="top">
        <a className="brand" href="#/" title={`pgfan ${PGFAN_VERSION}`}>
          pgfan <small className="version">{PGFAN_VERSION}</small>
        </a>
        <nav aria-label="Sections">
          <ul>
            {TABS.map((tab) => (
              <li key={tab.name}>
                <a href={`#/${tab.name}`} aria-current={page.name === tab.name ? 'page' : undefined}>
                  {tab.label}
                </a>
              </li>
            ))}
            <li>
              <a href="/admin/queues" target="_blank" rel="noreferrer">
                Queues ↗
              </a>
            </li>
          </ul>
        </nav>
        <span className={`connection connection-${connection}`} role="status">
          {connection === 'lost' ? 'offline' : connection === 'connecting' ? 'connecting' : connection === 'unauthorized' ? 'key needed' : 'live'}
        </span>
      </header>
      <ConnectionBanner state={connection} />
      <KeyPrompt />
      <main>
        {page.name === 'console' && <Console socket={socket} />}
        {page.name === 'overview' && <Overview socket={socket} />}
        {page.name === 'history' && <History socket={socket} openId={page.id} onOpen={(id) => (window.location.hash = id ? `#/history/${id}` : '#/history')} />}
      </main>
    </>
  );
}
