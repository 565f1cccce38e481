/** The typed socket.io connection to the API, and a hook for its state. */
import type { ClientToServerEvents, ServerToClientEvents } from '@pgfan/contracts';
import { useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { apiKey, keyRefused, onKeyChanged } from './credentials';

export type ApiSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * One connection for the whole page; it reconnects on its own, sending the current API key each
 * time. A refused key stops it until a new key is entered.
 */
export function connect(): ApiSocket {
  const socket: ApiSocket = io({
    transports: ['websocket', 'polling'],
    reconnectionDelayMax: 2000,
    auth: (send) => {
      const key = apiKey();
      send(key ? { token: key } : {});
    },
  });
  socket.on('connect_error', (error) => {
    if (isKeyRefusal(error)) keyRefused();
  });
  onKeyChanged(() => {
    if (!socket.connected) socket.connect();
  });
  return socket;
}

function isKeyRefusal(error: unknown): boolean {
  return (error as { data?: { code?: string } } | null)?.data?.code === 'UNAUTHORIZED';
}

/** 'unauthorized': the API wants an API key this page does not have (yet). */
export type ConnectionState = 'connecting' | 'connected' | 'lost' | 'restored' | 'unauthorized';

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
    const onConnectError = (error: unknown) => {
      if (isKeyRefusal(error)) setState('unauthorized');
    };
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    socket.on('connect_error', onConnectError);
    return () => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      socket.off('connect_error', onConnectError);
    };
  }, [socket]);
  return state;
}
