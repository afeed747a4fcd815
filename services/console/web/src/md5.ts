// MD5 (RFC 1321), which the data proxy binds every upload URL to (Content-MD5). Web Crypto has
// no MD5, so it is computed here, a slice of the file at a time.

const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const SINES = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);

export class Md5 {
  private state = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476];
  private tail = new Uint8Array(64);
  private tailLength = 0;
  private length = 0;

  update(bytes: Uint8Array): this {
    this.length += bytes.length;
    let offset = 0;
    if (this.tailLength) {
      offset = Math.min(64 - this.tailLength, bytes.length);
      this.tail.set(bytes.subarray(0, offset), this.tailLength);
      this.tailLength += offset;
      if (this.tailLength < 64) return this;
      this.block(this.tail, 0);
      this.tailLength = 0;
    }
    for (; offset + 64 <= bytes.length; offset += 64) this.block(bytes, offset);
    this.tail.set(bytes.subarray(offset), 0);
    this.tailLength = bytes.length - offset;
    return this;
  }

  digest(): Uint8Array {
    const bits = this.length * 8;
    const padding = new Uint8Array(((this.tailLength < 56 ? 56 : 120) - this.tailLength) + 8);
    padding[0] = 0x80;
    const view = new DataView(padding.buffer);
    view.setUint32(padding.length - 8, bits >>> 0, true);
    view.setUint32(padding.length - 4, Math.floor(bits / 2 ** 32), true);
    this.update(padding);
    const out = new Uint8Array(16);
    const outView = new DataView(out.buffer);
    this.state.forEach((word, i) => outView.setUint32(i * 4, word >>> 0, true));
    return out;
  }

  private block(bytes: Uint8Array, offset: number) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 64);
    const words = Array.from({ length: 16 }, (_, i) => view.getUint32(i * 4, true));
    let [a, b, c, d] = this.state;
    for (let i = 0; i < 64; i++) {
      const round = i >> 4;
      let f: number;
      let g: number;
      if (round === 0) [f, g] = [(b & c) | (~b & d), i];
      else if (round === 1) [f, g] = [(d & b) | (~d & c), (5 * i + 1) % 16];
      else if (round === 2) [f, g] = [b ^ c ^ d, (3 * i + 5) % 16];
      else [f, g] = [c ^ (b | ~d), (7 * i) % 16];
      const sum = (f + a + SINES[i] + words[g]) | 0;
      const shift = SHIFTS[round * 4 + (i % 4)];
      [a, d, c] = [d, c, b];
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0;
    }
    this.state = [(this.state[0] + a) | 0, (this.state[1] + b) | 0, (this.state[2] + c) | 0, (this.state[3] + d) | 0];
  }
}

const SLICE_BYTES = 4 * 1024 * 1024;

// FileReader rather than Blob.arrayBuffer: older browsers (and jsdom) have only the former.
function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(blob);
  });
}

// The file's MD5, read a slice at a time so a large file is never held whole.
export async function md5OfBlob(blob: Blob): Promise<Uint8Array> {
  const hash = new Md5();
  for (let start = 0; start < blob.size; start += SLICE_BYTES)
    hash.update(await bytesOf(blob.slice(start, start + SLICE_BYTES)));
  return hash.digest();
}

export const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
export const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
