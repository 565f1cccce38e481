/**
 * @pgfan/client/node — requests over node:http(s), for Node processes: the CLI, the bench, a
 * user's script. `new PgfanClient({ baseUrl, ...nodeTransport() })`.
 *
 * Node's `fetch` (undici) builds WHATWG requests, responses and streams around every exchange:
 * following a forced fan-out back to back, the client spent 4.4–4.5 ms of CPU a query on it here,
 * against 2.3–2.5 ms over node:http with the plain request and response below (docs/benchmarks.md,
 * run 27). openapi-fetch builds each request with the `Request` class it is given and reads only
 * its url, method, headers and body; of a response, its status, ok, headers and body as text or
 * JSON. Those, an ArrayBuffer, a Blob and a stream are what these have.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from 'node:https';
import type { PgfanClientOptions } from './index';

/** What `PgfanClientOptions` takes to send requests another way: openapi-fetch's own two options. */
export type Transport = Required<Pick<PgfanClientOptions, 'fetch' | 'Request'>>;

/**
 * Requests over node:http(s), each connection kept alive for the next (idle, it keeps no process alive).
 * @param options.tls for an https address: e.g. `ca`, a certificate to trust beside the system's.
 */
export function nodeTransport(options: { tls?: Pick<AgentOptions, 'ca' | 'cert' | 'key' | 'servername'> } = {}): Transport {
  const agents: Record<string, HttpAgent> = {
    'http:': new HttpAgent({ keepAlive: true }),
    'https:': new HttpsAgent({ ...options.tls, keepAlive: true }),
  };
  return {
    fetch: (request) => exchange(request as unknown as PlainRequest, agents) as unknown as Promise<Response>,
    Request: PlainRequest as unknown as typeof Request,
  };
}

/** A request as openapi-fetch builds it: its URL, method, headers and body (JSON, a string), kept as they are. */
class PlainRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | null;

  constructor(url: string | URL, init: RequestInit = {}) {
    if (init.body != null && typeof init.body !== 'string') throw new TypeError('the node transport sends text bodies only');
    this.url = String(url);
    this.method = init.method ?? 'GET';
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
    this.body = init.body ?? null;
  }
}

/** A response read whole. */
class PlainResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers = new Headers();

  constructor(
    readonly url: string,
    answer: IncomingMessage,
    private readonly bytes: Buffer,
  ) {
    this.status = answer.statusCode ?? 0;
    this.statusText = answer.statusMessage ?? '';
    this.ok = this.status >= 200 && this.status < 300;
    const raw = answer.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) this.headers.append(raw[i] as string, raw[i + 1] as string);
  }

  async text(): Promise<string> {
    return this.bytes.toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.bytes.toString('utf8'));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return new Uint8Array(this.bytes).buffer;
  }

  async blob(): Promise<Blob> {
    return new Blob([this.bytes]);
  }

  get body(): ReadableStream<Uint8Array> {
    return new Blob([this.bytes]).stream();
  }
}

function exchange(request: PlainRequest, agents: Record<string, HttpAgent>): Promise<PlainResponse> {
  const url = new URL(request.url);
  const headers: Record<string, string> = Object.fromEntries(request.headers);
  if (request.body !== null) headers['content-length'] = String(Buffer.byteLength(request.body));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const sent = send(url, { method: request.method, headers, agent: agents[url.protocol] }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('error', reject);
      answer.on('end', () => resolve(new PlainResponse(request.url, answer, Buffer.concat(chunks))));
    });
    sent.on('error', reject);
    sent.end(request.body ?? undefined);
  });
}
