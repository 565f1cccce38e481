/** Sessions a test opens on servers it may restart or make cancel them: errors are the test's to see, and all are closed at the end. */
import { Client } from 'pg';

export interface Sessions {
  /** A connected session to `url`; a session that dies later raises nothing by itself. */
  connect(url: string): Promise<Client>;
  /** Closes every session opened, whatever state each is in. */
  endAll(): Promise<void>;
}

export function testSessions(): Sessions {
  const clients: Client[] = [];
  return {
    async connect(url) {
      const client = new Client({ connectionString: url });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      return client;
    },
    async endAll() {
      await Promise.allSettled(clients.splice(0).map((c) => c.end()));
    },
  };
}
