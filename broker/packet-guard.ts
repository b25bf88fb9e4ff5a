// The packet size limit, checked from the MQTT fixed header as bytes arrive, before aedes' parser
// buffers the packet (aedes has no such option; contract.md: maximum packet 256 KiB). The guard sits
// on the socket's read(): it only walks fixed headers and skips bodies, so it costs per chunk, not per byte.
import type { Duplex } from 'node:stream';

export class FixedHeaderGuard {
  private state: 'type' | 'len' | 'body' = 'type';
  private len = 0;
  private mult = 1;
  private lenBytes = 0;
  private remaining = 0;

  constructor(private readonly maxPacket: number) {}

  /** Feeds a chunk; returns the announced size of the first packet over the limit, or -1. */
  feed(buf: Uint8Array): number {
    let i = 0;
    while (i < buf.length) {
      if (this.state === 'body') {
        const skip = Math.min(this.remaining, buf.length - i);
        i += skip;
        this.remaining -= skip;
        if (this.remaining === 0) this.state = 'type';
      } else if (this.state === 'type') {
        i++;
        this.state = 'len';
        this.len = 0;
        this.mult = 1;
        this.lenBytes = 0;
      } else {
        const b = buf[i++]!;
        this.len += (b & 0x7f) * this.mult;
        this.mult *= 128;
        if (++this.lenBytes > 4) return Infinity;
        if ((b & 0x80) === 0) {
          if (this.len + 1 + this.lenBytes > this.maxPacket) return this.len + 1 + this.lenBytes;
          this.remaining = this.len;
          this.state = this.len === 0 ? 'type' : 'body';
        }
      }
    }
    return -1;
  }
}

/** Wraps the stream's read() so every chunk aedes pulls passes the guard first; an oversize packet
 * destroys the connection before its body is read. */
export function guardPacketSize(stream: Duplex, maxPacket: number, onViolation: (size: number) => void): void {
  const guard = new FixedHeaderGuard(maxPacket);
  const read = stream.read.bind(stream);
  stream.read = (n?: number) => {
    const chunk = read(n);
    if (chunk && typeof chunk !== 'string') {
      const over = guard.feed(chunk as Uint8Array);
      if (over >= 0) {
        onViolation(over);
        stream.destroy();
        return null;
      }
    }
    return chunk;
  };
}
