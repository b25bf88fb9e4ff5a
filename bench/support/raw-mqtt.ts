// Load generators' raw publish path (bench:ingest, bench:rules): mqtt.js opens, authenticates and closes
// the connections; the readings are then written to its sockets as pre-encoded PUBLISH packets with the
// generator's own packet ids, and PUBACKs are read off the socket here. mqtt.js's publish path (outgoing
// store, callbacks, its parser queueing every packet through nextTick) costs about twice the CPU, and on two
// shared cores the generator's CPU is taken from the system under test. The bytes on the wire are the same.
import type { MqttClient } from 'mqtt';
import type { Socket } from 'node:net';

/** A PUBLISH packet (MQTT 3.1.1): fixed header, remaining length, topic, [packet id], payload. */
export function encodePublish(topic: Buffer, qos: 0 | 1, id: number, body: string): Buffer {
  const bodyLen = Buffer.byteLength(body);
  const rem = 2 + topic.length + (qos ? 2 : 0) + bodyLen;
  const lenBytes = rem < 128 ? 1 : rem < 16384 ? 2 : 3;
  const buf = Buffer.allocUnsafe(1 + lenBytes + rem);
  let o = 0;
  buf[o++] = qos ? 0x32 : 0x30;
  for (let x = rem; ;) { const b = x & 0x7f; x >>>= 7; buf[o++] = x > 0 ? b | 0x80 : b; if (x === 0) break; }
  buf.writeUInt16BE(topic.length, o); o += 2;
  o += topic.copy(buf, o);
  if (qos) { buf.writeUInt16BE(id, o); o += 2; }
  buf.write(body, o, 'utf8');
  return buf;
}

/** A reader of the broker → device stream: calls `onAck(packetId, at)` per PUBACK (`at`: when the chunk
 * holding it was read, by `now`), skips any other packet, and keeps a packet split across chunks. */
export function ackReader(onAck: (id: number, at: number) => void, now: () => number): (chunk: Buffer) => void {
  let rest: Buffer | null = null;
  return (chunk) => {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    rest = null;
    const at = now();
    let o = 0;
    while (o < buf.length) {
      let len = 0, mul = 1, h = o + 1;
      for (;;) {
        if (h >= buf.length) { rest = buf.subarray(o); return; }
        const b = buf[h++]!;
        len += (b & 0x7f) * mul; mul *= 128;
        if (!(b & 0x80)) break;
      }
      if (h + len > buf.length) { rest = buf.subarray(o); return; }
      if (buf[o] === 0x40 && len === 2) onAck(buf.readUInt16BE(h), at);
      o = h + len;
    }
  };
}

/** Takes the socket of a connected mqtt.js client over: from here on its input goes to `reader` instead of
 * mqtt.js's parser (the client must have been opened with keepalive 0: mqtt.js sees no PINGRESP any more). */
export function takeOver(c: MqttClient, reader: (chunk: Buffer) => void): Socket {
  const sock = c.stream as unknown as Socket;
  sock.setNoDelay(true);
  sock.unpipe();
  sock.on('data', reader);
  sock.resume();
  return sock;
}
