import { Duplex } from 'node:stream';
import { createFrameTracker } from './packet-framing.js';

/** Why the guard cut a connection; carried as the stream's destroy error. */
export class PacketGuardError extends Error {
  readonly code: 'VIGIE_ERR_PAYLOAD_TOO_LARGE' | 'VIGIE_ERR_BAD_REQUEST';
  /** Size the packet declared (oversize only), bytes. */
  readonly declaredSize: number | undefined;

  constructor(code: PacketGuardError['code'], message: string, declaredSize?: number) {
    super(message);
    this.name = 'PacketGuardError';
    this.code = code;
    this.declaredSize = declaredSize;
  }
}

export interface PacketSizeGuardOptions {
  /** Largest whole packet accepted, bytes (fixed header included). */
  maxPacketSize: number;
  /** Called once, before the connection is destroyed, when the guard cuts it. */
  onViolation?: (error: PacketGuardError) => void;
  /** The peer's address, exposed as `remoteAddress` like a socket's (Aedes and the auth log read it). */
  remoteAddress?: string;
}

/**
 * Wraps a connection (TCP socket, WebSocket stream) in a duplex that checks
 * MQTT framing as bytes arrive and destroys the connection as soon as a fixed
 * header declares a packet larger than `maxPacketSize`, before its body is
 * read: Aedes 1.x has no limit of its own and mqtt-packet buffers a whole
 * packet before parsing it. Backpressure passes through both ways: reads
 * pause the inner stream while the consumer is behind; writes report `false`
 * (and later 'drain') while the inner stream is, so Aedes's drainTimeout
 * still sees a frozen peer.
 */
export function guardPacketSize(inner: Duplex, options: PacketSizeGuardOptions): Duplex {
  return new PacketSizeGuard(inner, options);
}

class PacketSizeGuard extends Duplex {
  readonly remoteAddress: string | undefined;
  private readonly inner: Duplex;
  private readonly tracker;
  private readonly onViolation: PacketSizeGuardOptions['onViolation'];
  private innerEnded = false;
  /** Callback of the write waiting for the inner stream's 'drain'. */
  private pendingWrite: ((error?: Error | null) => void) | undefined;

  constructor(inner: Duplex, options: PacketSizeGuardOptions) {
    // allowHalfOpen false: like a server net.Socket, the end of input ends output.
    super({ allowHalfOpen: false });
    this.inner = inner;
    this.tracker = createFrameTracker(options.maxPacketSize);
    this.onViolation = options.onViolation;
    this.remoteAddress = options.remoteAddress;
    inner.on('data', this.onInnerData);
    inner.on('end', this.onInnerEnd);
    inner.on('error', this.onInnerError);
    inner.on('close', this.onInnerClose);
    inner.on('drain', this.onInnerDrain);
    inner.pause(); // flow starts when the consumer first reads (_read)
  }

  private readonly onInnerData = (chunk: Buffer | string): void => {
    if (this.destroyed) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const verdict = this.tracker.feed(bytes);
    if (!verdict.ok) {
      const error =
        verdict.reason === 'oversize'
          ? new PacketGuardError(
              'VIGIE_ERR_PAYLOAD_TOO_LARGE',
              `MQTT packet of ${verdict.declaredSize} bytes exceeds maxPacketSize`,
              verdict.declaredSize,
            )
          : new PacketGuardError('VIGIE_ERR_BAD_REQUEST', `malformed MQTT framing: ${verdict.message}`);
      this.onViolation?.(error);
      this.destroy(error);
      return;
    }
    if (!this.push(bytes)) this.inner.pause();
  };

  private readonly onInnerEnd = (): void => {
    this.innerEnded = true;
    this.push(null);
  };

  private readonly onInnerError = (error: Error): void => {
    this.destroy(error);
  };

  private readonly onInnerClose = (): void => {
    // After a clean end, data already pushed must still reach the consumer
    // (e.g. a last PUBLISH then DISCONNECT); only an abrupt close cuts it.
    if (!this.innerEnded && !this.destroyed) this.destroy();
  };

  private readonly onInnerDrain = (): void => {
    const callback = this.pendingWrite;
    this.pendingWrite = undefined;
    callback?.();
  };

  override _read(): void {
    if (this.inner.isPaused()) this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.inner.write(chunk)) callback();
    else this.pendingWrite = callback;
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    // One corked batch: a packet written as several pieces leaves in one syscall.
    this.inner.cork();
    let flowing = true;
    for (const { chunk } of chunks) flowing = this.inner.write(chunk);
    this.inner.uncork();
    if (flowing) callback();
    else this.pendingWrite = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.inner.destroyed || this.inner.writableEnded) callback();
    else this.inner.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.off('data', this.onInnerData);
    this.inner.off('drain', this.onInnerDrain);
    // Keep an error listener: the inner stream may still report one while closing.
    this.inner.off('error', this.onInnerError);
    this.inner.on('error', noop);
    this.inner.destroy();
    const pending = this.pendingWrite;
    this.pendingWrite = undefined;
    pending?.(error ?? new Error('connection closed'));
    callback(error);
  }
}

function noop(): void {}
