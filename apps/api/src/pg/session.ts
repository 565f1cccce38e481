/**
 * One protocol client: its startup and authentication, then its pinned backend session. Every
 * message is forwarded to that session as it came, except a SELECT that pgfan fans out or runs as
 * an expert's rewrite (simple protocol, or an extended-protocol Execute), which goes through the submit service like a REST
 * query and is answered with PostgreSQL's own messages (fan-out.ts). Messages are handled one at a time, in order, so replies keep the
 * order of requests however the client pipelines them.
 */
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from '@pgfan/runtime';
import type { Caller } from '../auth';
import { cancel, declinedByRecentPlan } from '../submit';
import type { Gateway } from './gateway';
import { openBackend, type PinnedBackend } from './backend';
import { encodesBinary } from './binary';
import { CANCELLED, fanOut, requestedFanOut, withValues, type Answer, type RunningQuery } from './fan-out';
import { raising, refusal } from './gate';
import { MessageReader, ProtocolViolation, type Message } from './framing';
import * as pg from './messages';
import { SessionFingerprint, SessionRequest, type Fingerprint } from './settings';
import { authenticate } from './startup';

/** Longest startup message accepted (PostgreSQL's own limit is 10,000 bytes). */
const MAX_STARTUP_LENGTH = 10_000;
/** Longest message accepted from a client: PostgreSQL's limit for a query string. */
const MAX_MESSAGE_LENGTH = 1024 * 1024 * 1024;

/** Messages after which PostgreSQL sends ReadyForQuery. */
const ENDS_WITH_READY = new Set(['Q', 'S', 'F']);
/** Extended-protocol messages that wait for a Sync. */
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H']);
/** Extended-protocol messages held until their Sync, so that a statement can be looked at whole. */
const HELD = new Set(['P', 'B', 'D', 'E', 'C']);
/** The one extended-protocol exchange pgfan fans out: [Parse] Bind [Describe portal] Execute, then Sync. */
const FAN_OUT_SHAPE = /^P?BD?E$/;
/** What a pinned session may send at any time, whoever is reading its replies. */
const ASYNCHRONOUS = new Set(['N', 'A', 'S']);

/** A statement that might be a query the planner fans out: anything else goes straight through. */
const MAYBE_SELECT = /^[\s(]*(select|with|table)\b/i;

export class ClientSession {
  /** The cancel key given to the client (BackendKeyData). */
  readonly processId = randomInt(1, 2 ** 31 - 1);
  readonly secretKey = randomInt(1, 2 ** 31 - 1);
  /** Lines about this client's session carry its `session` (the process id its client sees). */
  private readonly log: Logger;
  private reader = new MessageReader(true, MAX_STARTUP_LENGTH);
  private phase: 'startup' | 'authenticating' | 'ready' | 'closed' = 'startup';
  private work: Promise<void> = Promise.resolve();
  private backend: PinnedBackend | null = null;
  private readonly backendReader = new MessageReader(false, MAX_MESSAGE_LENGTH);
  /** Forwarded messages whose ReadyForQuery has not come back. */
  private awaitingReady = 0;
  /** Extended-protocol messages forwarded since the last Sync. */
  private unsynced = false;
  private transactionStatus = 'I';
  /** While pgfan talks to the pinned session itself, its replies go here, not to the client. */
  private interceptor: ((message: Message) => void) | null = null;
  private readonly idleWaiters: (() => void)[] = [];
  /**
   * pgfan is answering a statement itself (describing it, planning, fanning it out): a
   * CancelRequest then cancels that, not what the pinned session runs (pgfan's own statements).
   */
  private intercepting = false;
  /** A CancelRequest came while intercepting: the statement ends cancelled, whichever way it was going. */
  private cancelRequested = false;
  /** The fanned-out query running now, to cancel. */
  private running: RunningQuery | null = null;
  private caller: Caller = { client: null, admin: false, digest: null };
  private authentication: ((message: Message) => Promise<Caller | null>) | null = null;
  private startupParameters = new Map<string, string>();
  /** Extended-protocol messages since the last Sync, held to be looked at together; null when none. */
  private held: Message[] | null = null;
  /** A Flush (or another message) sent what was held on: the rest until Sync goes straight through. */
  private passing = false;
  /**
   * The session's prepared statements, by name ('' the unnamed one): their SQL, and their
   * parameters' types once known (all given by the Parse, or read from PostgreSQL's description).
   */
  private readonly statements = new Map<string, { sql: string; parameterTypes: number[] | null }>();
  /** Held Parse messages the gate refuses, with why. */
  private readonly refusals = new Map<Message, string>();
  /** The next BindComplete is the answer to a Bind pgfan sent again, already answered. */
  private dropBindComplete = false;

  /** Whether the client's connection is encrypted (after an SSLRequest, with PG_TLS_CERT). */
  private encrypted = false;

  constructor(
    private socket: Duplex,
    private readonly gateway: Gateway,
  ) {
    this.log = gateway.api.logger.child({ session: this.processId });
    this.listen(socket);
  }

  private listen(socket: Duplex): void {
    socket.on('data', (data: Buffer) => this.receive(data));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Answers an SSLRequest: 'S' and a TLS handshake when the port has a certificate, else 'N'. */
  private startTls(): void {
    const context = this.gateway.tls;
    if (!context || this.encrypted) return void this.socket.write('N');
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.write('S');
    const secure = new TLSSocket(plain as Socket, { isServer: true, secureContext: context });
    this.socket = secure;
    this.encrypted = true;
    this.listen(secure);
  }

  private receive(data: Buffer): void {
    let messages: Message[];
    try {
      messages = this.reader.push(data);
    } catch (error) {
      if (error instanceof ProtocolViolation) return this.fatal({ severity: 'FATAL', code: '08P01', message: error.message });
      throw error;
    }
    for (const message of messages) this.work = this.work.then(() => this.handle(message)).catch((error: unknown) => this.failed(error));
  }

  private failed(error: unknown): void {
    this.log.warn(`protocol session ${this.processId}: ${error instanceof Error ? error.message : String(error)}`);
    this.fatal({ severity: 'FATAL', code: 'XX000', message: 'pgfan could not go on with this session; reconnect' });
  }

  private async handle(message: Message): Promise<void> {
    if (this.phase === 'closed') return;
    if (this.phase === 'startup') return this.startup(message);
    if (this.phase === 'authenticating') {
      const caller = await this.authentication?.(message);
      if (caller) await this.begin(caller);
      return;
    }
    if (message.type === 'X') return this.close();
    if (HELD.has(message.type)) return this.hold(message);
    if (message.type === 'S') return this.sync(message);
    // Anything else (a Flush asks for replies now) sends what is held first.
    this.release();
    if (message.type === 'Q') {
      // A simple query drops the unnamed statement.
      this.statements.delete('');
      const why = refusal(pg.readCString(message.body).text);
      if (why) return this.forward({ ...message, raw: pg.frontend.query(raising(why)) });
      if (await this.intercepted(message)) return;
    }
    this.forward(message);
  }

  private hold(message: Message): void {
    if (message.type === 'P') {
      const { name, sql, parameterTypes } = pg.readParse(message.body);
      this.statements.set(name, { sql, parameterTypes: parameterTypes.includes(0) ? null : parameterTypes });
      const why = refusal(sql);
      if (why) {
        // Sent on already (after a Flush), it fails when run; held, it fails at the Sync (below).
        if (this.passing) return this.forward({ ...message, raw: pg.frontend.parse(raising(why), name) });
        this.refusals.set(message, why);
      }
    } else if (message.type === 'C') {
      const { kind, name } = pg.readTarget(message.body);
      if (kind === 'S') this.statements.delete(name);
    }
    if (this.passing) return this.forward(message);
    (this.held ??= []).push(message);
  }

  private release(): void {
    if (this.held === null) return;
    this.held.forEach((message) => this.forward(message));
    this.held = null;
    this.passing = true;
  }

  private async sync(message: Message): Promise<void> {
    const held = this.held;
    this.held = null;
    this.passing = false;
    const refused = held?.findIndex((m) => this.refusals.has(m)) ?? -1;
    if (held && refused >= 0) {
      // What precedes the refused Parse runs; the refusal is its error, and ends the batch as an
      // error does, up to its Sync: one ReadyForQuery, in the state the error leaves.
      held.slice(0, refused).forEach((m) => this.forward(m));
      const why = this.refusals.get(held[refused] as Message) as string;
      held.forEach((m) => this.refusals.delete(m));
      return this.forward({ ...message, type: 'Q', raw: pg.frontend.query(raising(why)) });
    }
    if (held && (await this.interceptedExtended(held, message))) return;
    held?.forEach((m) => this.forward(m));
    this.forward(message);
  }

  private async startup(message: Message): Promise<void> {
    const request = pg.readStartup(message.body);
    switch (request.kind) {
      case 'ssl':
        return this.startTls();
      case 'gssenc':
        // Not offered: the client goes on without, or gives up if it requires it.
        this.socket.write('N');
        return;
      case 'cancel':
        this.gateway.cancel(request.processId, request.secretKey);
        return this.close();
      case 'unknown':
        return this.fatal({
          severity: 'FATAL',
          code: '08P01',
          message: `unsupported frontend protocol ${request.code >>> 16}.${request.code & 0xffff}: server supports 3.0`,
        });
      case 'startup': {
        this.reader = new MessageReader(false, MAX_MESSAGE_LENGTH);
        const extensions = [...request.parameters.keys()].filter((name) => name.startsWith('_pq_.'));
        if (request.minor > 0 || extensions.length > 0) this.socket.write(pg.negotiateProtocolVersion(extensions));
        extensions.forEach((name) => request.parameters.delete(name));
        this.startupParameters = request.parameters;
        const refusal = this.gateway.refusesStartup(request.parameters);
        if (refusal) return this.fatal(refusal);
        const auth = authenticate(this.gateway.keys, request.parameters.get('user') ?? '', this.encrypted, (bytes) => this.socket.write(bytes));
        if ('caller' in auth) return this.begin(auth.caller);
        if ('error' in auth) return this.fatal(auth.error);
        this.phase = 'authenticating';
        this.authentication = async (reply) => {
          const outcome = auth.next(reply);
          if ('error' in outcome) {
            this.fatal(outcome.error);
            return null;
          }
          return outcome.caller ?? null;
        };
        return;
      }
    }
  }

  /** Authenticated: pins a backend session and tells the client it may send queries. */
  private async begin(caller: Caller): Promise<void> {
    this.caller = caller;
    this.authentication = null;
    this.socket.write(pg.authenticationOk());
    try {
      this.backend = await openBackend(this.gateway.connectionString, this.startupParameters, this.gateway.sessionDefaults);
    } catch (error) {
      const fields = error as { code?: string; message?: string };
      return this.fatal({ severity: 'FATAL', code: fields.code ?? '08006', message: fields.message ?? 'cannot open a session on the database' });
    }
    if (this.phase === 'closed') return void this.backend.socket.destroy();
    this.phase = 'ready';
    const backend = this.backend.socket;
    backend.on('data', (data: Buffer) => this.fromBackend(data));
    backend.on('error', () => this.close());
    backend.on('close', () => this.close());
    const reported = new Map(this.backend.parameters);
    this.socket.write(
      Buffer.concat([
        ...[...reported].map(([name, value]) => pg.parameterStatus(name, value)),
        pg.backendKeyData(this.processId, this.secretKey),
        pg.readyForQuery('I'),
      ]),
    );
  }

  private forward(message: Message): void {
    if (ENDS_WITH_READY.has(message.type)) {
      this.awaitingReady++;
      this.unsynced = false;
    } else if (EXTENDED.has(message.type)) {
      this.unsynced = true;
    }
    this.toBackend(message.raw);
  }

  private toBackend(bytes: Buffer): void {
    const backend = this.backend?.socket;
    if (!backend) return;
    if (!backend.write(bytes)) {
      this.socket.pause();
      backend.once('drain', () => this.socket.resume());
    }
  }

  private fromBackend(data: Buffer): void {
    let messages: Message[];
    try {
      messages = this.backendReader.push(data);
    } catch {
      return this.close();
    }
    const toClient: Buffer[] = [];
    for (const message of messages) {
      if (this.dropBindComplete && message.type === '2') {
        this.dropBindComplete = false;
        continue;
      }
      if (this.interceptor && !ASYNCHRONOUS.has(message.type)) {
        this.interceptor(message);
        continue;
      }
      toClient.push(message.raw);
      if (message.type === 'Z') {
        this.transactionStatus = String.fromCharCode(message.body[0] as number);
        this.awaitingReady = Math.max(0, this.awaitingReady - 1);
        if (this.awaitingReady === 0) this.idleWaiters.splice(0).forEach((resume) => resume());
      }
    }
    if (toClient.length > 0 && !this.socket.write(toClient.length === 1 ? (toClient[0] as Buffer) : Buffer.concat(toClient))) {
      this.backend?.socket.pause();
      this.socket.once('drain', () => this.backend?.socket.resume());
    }
  }

  /** Resolves once every forwarded message has had its reply. */
  private whenIdle(): Promise<void> {
    return this.awaitingReady === 0 ? Promise.resolve() : new Promise((resume) => this.idleWaiters.push(resume));
  }

  /**
   * Sends `messages` to the pinned session for pgfan itself and collects the replies until
   * `readyCount` ReadyForQuery messages have come back.
   */
  private exchange(messages: Buffer[], readyCount: number): Promise<Message[]> {
    return new Promise((resolve) => {
      const replies: Message[] = [];
      let ready = 0;
      this.interceptor = (message) => {
        replies.push(message);
        if (message.type === 'Z') this.transactionStatus = String.fromCharCode(message.body[0] as number);
        if (message.type === 'Z' && ++ready === readyCount) {
          this.interceptor = null;
          resolve(replies);
        }
      };
      this.toBackend(Buffer.concat(messages));
    });
  }

  /** Runs a simple-protocol query through the submit service if the planner fans it out; false to forward it. */
  private async intercepted(message: Message): Promise<boolean> {
    const sql = pg.readCString(message.body).text;
    if (!MAYBE_SELECT.test(sql)) return false;
    await this.whenIdle();
    if (!this.mayFanOut()) return false;
    this.intercepting = true;
    this.cancelRequested = false;
    try {
      return await this.answerSimple(sql);
    } finally {
      this.intercepting = false;
    }
  }

  private async answerSimple(sql: string): Promise<boolean> {
    if (await this.runsAsWrittenRecently(sql)) return false;
    // One round trip: the statement's description (PostgreSQL parses it; a mistake stays its own
    // to report) and whether this session would read it as pgfan's workers do.
    const replies = await this.exchange(
      [pg.frontend.parse(sql), pg.frontend.describeNamed(''), pg.frontend.sync(), pg.frontend.query(SessionFingerprint.SQL)],
      2,
    );
    const firstReady = replies.findIndex((m) => m.type === 'Z');
    const described = describedRows(replies.slice(0, firstReady));
    const fingerprint = SessionFingerprint.read(replies.slice(firstReady + 1));
    if (!described || !fingerprint) return false;
    const answer = await this.answer(sql, described.columns, fingerprint);
    if (answer === 'forward') return false;
    if ('error' in answer) {
      this.sendError(answer.error);
    } else {
      this.socket.write(Buffer.concat([described.description, ...answer.rows, pg.commandComplete(answer.tag), pg.readyForQuery(this.transactionStatus)]));
    }
    return true;
  }

  /**
   * An extended-protocol statement: when it is one the planner fans out, the client's Parse, Bind
   * and Describe still run on its session (so its prepared statement exists and the description is
   * PostgreSQL's, in the formats it asked for), and the Execute is answered from the fan-out.
   * False to forward the messages as they came.
   */
  private async interceptedExtended(held: Message[], sync: Message): Promise<boolean> {
    if (!FAN_OUT_SHAPE.test(held.map((m) => m.type).join(''))) return false;
    const parse = held[0]?.type === 'P' ? pg.readParse(held[0].body) : null;
    const bindMessage = held.find((m) => m.type === 'B') as Message;
    const executeMessage = held[held.length - 1] as Message;
    const bind = pg.readBind(bindMessage.body);
    const execute = pg.readExecute(executeMessage.body);
    const describe = held.find((m) => m.type === 'D');
    const target = describe ? pg.readTarget(describe.body) : null;
    if (target && (target.kind !== 'P' || target.name !== bind.portal)) return false;
    if (execute.portal !== bind.portal || execute.maxRows !== 0) return false;
    if (parse && parse.name !== bind.statement) return false;
    // Without its Parse, the statement must be a named one: the unnamed one does not outlive the fingerprint's query.
    const sql = parse ? parse.sql : bind.statement !== '' ? this.statements.get(bind.statement)?.sql : undefined;
    if (sql === undefined || !MAYBE_SELECT.test(sql)) return false;
    await this.whenIdle();
    if (!this.mayFanOut()) return false;
    this.intercepting = true;
    this.cancelRequested = false;
    try {
      return await this.answerExtended(held, sync, { bind, bindMessage, executeMessage, sql });
    } finally {
      this.intercepting = false;
    }
  }

  private async answerExtended(
    held: Message[],
    sync: Message,
    statement: { bind: pg.Bind; bindMessage: Message; executeMessage: Message; sql: string },
  ): Promise<boolean> {
    const { bind, bindMessage, executeMessage, sql } = statement;
    const parameterized = bind.parameters.length > 0;
    // The first look, when the text with its values is known before the client's messages run:
    // without parameters, or with their types known. (It cannot come after them: its query would
    // drop their unnamed statement and portal.)
    const prepared = this.statements.get(bind.statement);
    const knownSql = !parameterized ? sql : prepared?.parameterTypes ? await withValues(this.gateway.api, sql, bind.parameters, prepared.parameterTypes) : null;
    if (knownSql !== null && (await this.runsAsWrittenRecently(knownSql))) return false;
    // pgfan's own Describes, after the client's messages: the parameters' types (when there are
    // any; ParameterDescription and the statement's RowDescription), and the portal's columns.
    const ours = [...(parameterized ? [pg.frontend.describeNamed(bind.statement)] : []), pg.frontend.describePortal(bind.portal)];
    const replies = await this.exchange([pg.frontend.query(SessionFingerprint.SQL), ...held.slice(0, -1).map((m) => m.raw), ...ours, pg.frontend.sync()], 2);
    const firstReady = replies.findIndex((m) => m.type === 'Z');
    const fingerprint = SessionFingerprint.read(replies.slice(0, firstReady + 1));
    const bound = replies.slice(firstReady + 1, -1);
    const ready = replies[replies.length - 1] as Message;
    const added = parameterized ? 3 : 1;
    // The client's replies, without those to pgfan's Describes.
    const toClient = bound.slice(0, -added).map((m) => m.raw);
    if (bound.some((m) => m.type === 'E')) {
      // PostgreSQL refused the Parse or Bind: the client hears it so, and the Execute never ran.
      this.socket.write(Buffer.concat([...bound.filter((m, i) => i < bound.length - 1 || m.type === 'E').map((m) => m.raw), ready.raw]));
      return true;
    }
    const description = bound[bound.length - 1];
    const parameters = parameterized ? bound[bound.length - 3] : undefined;
    const described = parameters?.type === 't' ? pg.readParameterDescription(parameters.body) : null;
    // A named statement keeps its types: its next Bind has its first look.
    if (described && prepared && bind.statement !== '') prepared.parameterTypes = described;
    const boundSql = knownSql ?? (described ? await withValues(this.gateway.api, sql, bind.parameters, described) : null);
    const answer =
      description?.type === 'T' && fingerprint && boundSql !== null
        ? await this.answer(boundSql, pg.rowDescriptionColumns(description.body), fingerprint)
        : 'forward';
    if (answer === 'forward') {
      // Run it after all. Outside a transaction block its portal ended with the Sync: bind it
      // again (the client has had its BindComplete); inside one the portal is still there.
      this.socket.write(Buffer.concat(toClient));
      const rebind = this.transactionStatus === 'I';
      this.dropBindComplete = rebind;
      [...(rebind ? [bindMessage] : []), executeMessage, sync].forEach((m) => this.forward(m));
      return true;
    }
    this.socket.write(Buffer.concat(toClient));
    if ('error' in answer) this.sendError(answer.error);
    else this.socket.write(Buffer.concat([...answer.rows, pg.commandComplete(answer.tag), pg.readyForQuery(this.transactionStatus)]));
    return true;
  }

  /**
   * Whether a statement may be fanned out now: nothing forwarded awaits its answer, and the
   * session is outside a transaction block or in a healthy one (whose isolation the fingerprint
   * then checks: read committed takes a fresh snapshot per statement, as a fan-out does).
   */
  private mayFanOut(): boolean {
    return (this.transactionStatus === 'I' || this.transactionStatus === 'T') && !this.unsynced && this.phase === 'ready';
  }

  /**
   * An error pgfan answers a statement with, followed by ReadyForQuery. Inside a transaction block
   * the session itself raises it, so that its transaction fails as PostgreSQL's own error would
   * fail it (what the client sends next until ROLLBACK is refused, as PostgreSQL refuses it).
   */
  private sendError(error: pg.ErrorFields): void {
    if (this.transactionStatus !== 'T') return void this.socket.write(Buffer.concat([pg.errorResponse(error), pg.readyForQuery(this.transactionStatus)]));
    const raw = pg.frontend.query(raising(error.message, error.code));
    this.forward({ type: 'Q', body: raw.subarray(5), raw });
  }

  /** The answer to a statement the session would read as the workers do: its fan-out's, or 'forward'. */
  private async answer(sql: string, columns: { type: number; format: number }[], fingerprint: Fingerprint): Promise<Answer> {
    if (this.cancelRequested) return CANCELLED;
    const answer = await this.fannedOutAnswer(sql, columns, fingerprint);
    // Cancelled while it was being planned or declined: it ends cancelled, not run after all.
    return answer === 'forward' && this.cancelRequested ? CANCELLED : answer;
  }

  private async fannedOutAnswer(sql: string, columns: { type: number; format: number }[], fingerprint: Fingerprint): Promise<Answer> {
    if (!this.gateway.settings.matches(fingerprint, sql)) return 'forward';
    // A transaction that reads one snapshot for all its statements: only its own session has it.
    if (this.transactionStatus === 'T' && fingerprint.isolation !== 'read committed') return 'forward';
    if (columns.some((c) => c.format === 1 && !encodesBinary(c.type))) return 'forward';
    const request = requestedFanOut(fingerprint.requested, this.gateway.api.env.MAX_PARTITIONS);
    if ('error' in request) return request;
    const running: RunningQuery = { id: null, abort: new AbortController() };
    this.running = running;
    try {
      return await fanOut(this.gateway.api, {
        sql,
        columns,
        caller: this.caller,
        statementTimeoutMs: fingerprint.statementTimeoutMs,
        request,
        running,
        log: this.log,
      });
    } finally {
      this.running = null;
    }
  }

  /**
   * The first look at a statement whose text is known: whether a recent plan runs it as written
   * for what the session asks of pgfan, so that the submit service would decline it. The session
   * then runs it whatever its settings, which are not read: their scan costs PostgreSQL as much as
   * a small query, and read for every statement it held the port's 20-client throughput at 0.6×
   * PostgreSQL's.
   */
  private async runsAsWrittenRecently(sql: string): Promise<boolean> {
    const requested = SessionRequest.read(await this.exchange([pg.frontend.query(SessionRequest.SQL)], 1));
    if (!requested) return false;
    const request = requestedFanOut(requested, this.gateway.api.env.MAX_PARTITIONS);
    // Out of range, it is an error where the session reads queries as the workers do.
    const declined = !('error' in request) && (await declinedByRecentPlan(this.gateway.api, sql, request.partitions));
    // A CancelRequest that came meanwhile reached nothing running: the full path answers it.
    return declined && !this.cancelRequested;
  }

  /** A CancelRequest with this session's key: stops the fanned-out query, or what the pinned session runs. */
  cancel(): void {
    if (!this.intercepting) {
      if (this.backend) void this.gateway.api.queryPool.query('SELECT pg_cancel_backend($1)', [this.backend.processId]).catch(() => undefined);
      return;
    }
    this.cancelRequested = true;
    const running = this.running;
    if (running?.id) void cancel(this.gateway.api, running.id, undefined).catch(() => undefined);
    else if (running) running.cancelRequested = true;
  }

  /** Whether the session is answering a statement: forwarded and not yet answered, held, or fanned out. */
  get busy(): boolean {
    return this.awaitingReady > 0 || this.held !== null || this.running !== null || this.interceptor !== null;
  }

  /** The digest of the key the session authenticated with; null without keys. */
  get keyDigest(): string | null {
    return this.caller.digest;
  }

  /** Ends the session as PostgreSQL's pg_terminate_backend would, saying why. */
  terminate(detail: string): void {
    this.fatal({ severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command', detail });
  }

  private fatal(fields: pg.ErrorFields): void {
    if (this.phase === 'closed') return;
    this.socket.end(pg.errorResponse(fields));
    this.close();
  }

  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    const running = this.running;
    if (running?.id) void cancel(this.gateway.api, running.id, undefined).catch(() => undefined);
    running?.abort.abort();
    this.idleWaiters.splice(0).forEach((resume) => resume());
    if (this.backend) this.backend.socket.end(pg.frontend.terminate());
    if (!this.socket.writableEnded) this.socket.end();
    this.gateway.forget(this);
  }
}

/** The statement's RowDescription and columns, if it returns rows and has no parameters. */
function describedRows(described: Message[]): { description: Buffer; columns: { type: number; format: number }[] } | null {
  if (described.some((m) => m.type === 'E')) return null;
  const parameters = described.find((m) => m.type === 't');
  if (!parameters || parameters.body.readInt16BE(0) > 0) return null;
  const rows = described.find((m) => m.type === 'T');
  return rows ? { description: rows.raw, columns: pg.rowDescriptionColumns(rows.body) } : null;
}
