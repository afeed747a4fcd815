import { describe, expect, it } from "vitest";
import { base64, hex, Md5, md5OfBlob } from "./md5";

const text = (s: string) => new TextEncoder().encode(s);

// RFC 1321, appendix A.5.
const SUITE: [string, string][] = [
  ["", "d41d8cd98f00b204e9800998ecf8427e"],
  ["a", "0cc175b9c0f1b6a831c399e269772661"],
  ["abc", "900150983cd24fb0d6963f7d28e17f72"],
  ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
  ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
  ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"],
  ["1234567890".repeat(8), "57edf4a22be3c955ac49da2e2107b67a"],
];

describe("Md5", () => {
  it("gives the RFC's digests", () => {
    for (const [input, digest] of SUITE) expect(hex(new Md5().update(text(input)).digest())).toBe(digest);
  });

  it("gives the same digest however the bytes are split", () => {
    const bytes = text("1234567890".repeat(8));
    for (const cut of [1, 55, 56, 63, 64, 65]) {
      const split = new Md5().update(bytes.subarray(0, cut)).update(bytes.subarray(cut)).digest();
      expect(hex(split)).toBe("57edf4a22be3c955ac49da2e2107b67a");
    }
  });

  it("hashes a Blob and encodes the digest as Content-MD5 wants it", async () => {
    const digest = await md5OfBlob(new Blob([text("abc")]));
    expect(base64(digest)).toBe("kAFQmDzST7DWlj99KOF/cg==");
  });
});
