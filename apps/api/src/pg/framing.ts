/**
 * Splits a PostgreSQL protocol byte stream into messages. A message is a type byte, an int32
 * length that counts itself, and a body; the first message a client sends (startup, SSL or cancel
 * request) has no type byte. Pure: bytes in, messages out.
 */

export interface Message {
  /** The type byte as a character; '' for a startup-phase message. */
  type: string;
  body: Buffer;
  /** The whole message as it arrived, to forward unchanged. */
  raw: Buffer;
}

export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
}

export class MessageReader {
  private pending: Buffer = Buffer.alloc(0);

  /**
   * @param untyped whether the next message has no type byte (a client's first message).
   * @param maxLength the longest message accepted, in bytes.
   */
  constructor(
    private untyped: boolean,
    private readonly maxLength: number,
  ) {}

  /** From the next message on, every message has a type byte (a client, once started up). */
  typed(): void {
    this.untyped = false;
  }

  /** Whether bytes of an unfinished message are held. */
  get holding(): boolean {
    return this.pending.length > 0;
  }

  /**
   * The messages `data` completes, in order. In the startup phase only the first complete one is
   * returned (what follows may be TLS, not messages): call `rest()` for the bytes after it.
   * @throws ProtocolViolation for a length the protocol does not allow.
   */
  push(data: Buffer): Message[] {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    const messages: Message[] = [];
    for (;;) {
      const header = this.untyped ? 4 : 5;
      if (this.pending.length < header) break;
      const length = this.pending.readInt32BE(header - 4);
      if (length < 4 || length > this.maxLength) throw new ProtocolViolation(`invalid message length ${length}`);
      const total = length + header - 4;
      if (this.pending.length < total) break;
      const raw = this.pending.subarray(0, total);
      this.pending = this.pending.subarray(total);
      messages.push({ type: this.untyped ? '' : String.fromCharCode(raw[0] as number), body: raw.subarray(header), raw });
      if (this.untyped) break;
    }
    return messages;
  }

  /** The bytes held after the last message returned; the reader forgets them. */
  rest(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }
}
