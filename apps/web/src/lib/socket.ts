/** The typed socket.io connection to the API, and a hook for its state. */
import type { ClientToServerEvents, ServerToClientEvents } from '@pgfan/contracts';
import { useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';

export type ApiSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** One connection for the whole page; it reconnects on its own. */
export function connect(): ApiSocket {
  return io({ transports: ['websocket', 'polling'], reconnectionDelayMax: 2000 });
}

export type ConnectionState = 'connecting' | 'connected' | 'lost' | 'restored';

/** 'lost' while disconnected after having been connected; 'restored' for a few seconds after. */
export function useConnectionState(socket: ApiSocket): ConnectionState {
  const [state, setState] = useState<ConnectionState>(socket.connected ? 'connected' : 'connecting');
  useEffect(() => {
    let wasConnected = socket.connected;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onConnect = () => {
      clearTimeout(timer);
      if (wasConnected) {
        setState('restored');
        timer = setTimeout(() => setState('connected'), 3000);
      } else {
        setState('connected');
      }
    };
    const onDisconnect = () => {
      wasConnected = true;
      clearTimeout(timer);
      setState('lost');
    };
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    return () => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
    };
  }, [socket]);
  return state;
}
