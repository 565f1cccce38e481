/** The system's vital signs as they arrive (about once a second), with a rolling history for charts. */
import type { SystemStats } from '@pgfan/contracts';
import { useEffect, useState } from 'react';
import type { ApiSocket } from './socket';

/** Five minutes at one sample a second. */
export const HISTORY_SAMPLES = 300;

export function useSystemStats(socket: ApiSocket, keep = HISTORY_SAMPLES): SystemStats[] {
  const [series, setSeries] = useState<SystemStats[]>([]);
  useEffect(() => {
    const onStats = (stats: SystemStats) => setSeries((previous) => [...previous.slice(-(keep - 1)), stats]);
    socket.on('system:stats', onStats);
    return () => void socket.off('system:stats', onStats);
  }, [socket, keep]);
  return series;
}
