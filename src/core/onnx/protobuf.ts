// A minimal protobuf writer: just what ONNX's messages need (varints, fixed32 floats, bytes, nested messages).
// Nested messages keep their parts by reference, so large weights are copied once, in finish().

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_BYTES = 2;

const utf8 = new TextEncoder();

export class ProtoWriter {
  private parts: Uint8Array[] = [];
  /** Bytes written so far (this message's encoded length). */
  length = 0;
  /** Small writes go to a scratch buffer, flushed into `parts` before a large part is appended. */
  private scratch = new Uint8Array(256);
  private used = 0;

  private byte(b: number): void {
    if (this.used === this.scratch.length) this.flush();
    this.scratch[this.used++] = b;
    this.length++;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.parts.push(this.scratch.slice(0, this.used));
    this.used = 0;
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length <= 64) {
      for (const b of bytes) this.byte(b);
      return;
    }
    this.flush();
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  /** A varint; negative numbers as 64-bit two's complement (int64 fields), as protobuf does. */
  varint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value <= 0xffffffff && Number.isInteger(value)) {
      let v = value;
      while (v >= 0x80) {
        this.byte((v & 0x7f) | 0x80);
        v = Math.floor(v / 128);
      }
      this.byte(v);
      return;
    }
    if (typeof value === 'number' && !Number.isInteger(value)) throw new RangeError(`protobuf: ${value} is not an integer`);
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  float(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.append(b);
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_BYTES);
    this.varint(value.length);
    this.append(value);
  }

  string(field: number, value: string): void {
    this.bytes(field, utf8.encode(value));
  }

  /** A nested message, written after its tag and length; `sub` must not be written to afterwards. */
  message(field: number, sub: ProtoWriter): void {
    this.tag(field, WIRE_BYTES);
    this.varint(sub.length);
    this.flush();
    sub.flush();
    for (const part of sub.parts) this.parts.push(part);
    this.length += sub.length;
  }

  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Little-endian bytes of a typed array (the host is little-endian everywhere this runs; checked anyway). */
export function littleEndianBytes(data: Float32Array | BigInt64Array | Int32Array | Uint16Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE_ENDIAN) return bytes;
  const out = bytes.slice();
  const size = data.BYTES_PER_ELEMENT;
  for (let at = 0; at < out.length; at += size) out.subarray(at, at + size).reverse();
  return out;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
