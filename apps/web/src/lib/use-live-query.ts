/**
 * Follows one query live: starts from its record, applies every event, fetches the full record
 * (with result rows) when it ends, and asks for the record again after a reconnect, so nothing
 * that happened while the connection was down is missed.
 */
import { FINAL_EVENTS, type QueryEvent, type QueryView } from '@pgfan/contracts';
import { useEffect, useState } from 'react';
import { fetchQuery } from './api';
import { applyEvent } from './query-state';
import type { ApiSocket } from './socket';

export function useLiveQuery(socket: ApiSocket, id: string | null, initial?: QueryView | null): QueryView | null {
  const [view, setView] = useState<QueryView | null>(initial ?? null);
  useEffect(() => {
    if (!id) {
      setView(null);
      return;
    }
    let active = true;
    const refresh = () =>
      void fetchQuery(id).then(
        (record) => active && setView(record),
        () => undefined,
      );
    const watch = () =>
      socket.emit('watch', id, (record) => {
        if (!active || !record) return;
        setView(record);
        if (FINAL_EVENTS.includes(record.status as QueryEvent['type'])) refresh();
      });
    const onEvent = (event: QueryEvent) => {
      if (event.id !== id) return;
      setView((current) => (current ? applyEvent(current, event) : current));
      if (FINAL_EVENTS.includes(event.type)) refresh();
    };
    socket.on('query:event', onEvent);
    socket.on('connect', watch);
    if (socket.connected) watch();
    else refresh();
    return () => {
      active = false;
      socket.off('query:event', onEvent);
      socket.off('connect', watch);
      socket.emit('unwatch', id);
    };
  }, [socket, id]);
  return view;
}
