// The protobuf wire format (proto3) for the few governance messages a member signs in the browser:
// a signed proposal, a ballot, and the Fabric SerializedIdentity that names the signer.

import {concat} from "./der.js";

function varint(value) {
  let n = BigInt(value);
  const out = [];
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) byte |= 0x80;
    out.push(byte);
  } while (n > 0n);
  return out;
}

/** Fields in number order; a zero or empty value is left out, as proto3 encoders do. */
export function message(fields) {
  const parts = [];
  for (const [number, kind, value] of fields) {
    if (kind === "varint") {
      if (BigInt(value) === 0n) continue;
      parts.push(new Uint8Array([...varint(number << 3), ...varint(value)]));
    } else {
      const bytes = kind === "string" ? new TextEncoder().encode(value) : value;
      if (!bytes.length) continue;
      parts.push(new Uint8Array([...varint((number << 3) | 2), ...varint(bytes.length)]), bytes);
    }
  }
  return concat(parts);
}

/** The length-delimited field `number` of an encoded message (its first occurrence). */
export function bytesField(encoded, number) {
  let at = 0;
  const read = () => {
    let shift = 0n;
    let value = 0n;
    for (;;) {
      const byte = encoded[at++];
      value |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
      shift += 7n;
    }
  };
  while (at < encoded.length) {
    const key = Number(read());
    const type = key & 7;
    if (type === 0) read();
    else if (type === 2) {
      const size = Number(read());
      if (key >> 3 === number) return encoded.slice(at, at + size);
      at += size;
    } else if (type === 1) at += 8;
    else if (type === 5) at += 4;
    else throw new Error("not a protobuf message this page can read");
  }
  throw new Error(`the message has no field ${number}`);
}

/** Fabric's msp.SerializedIdentity: the MSP id and the PEM certificate. */
export function serializedIdentity(mspId, certificatePem) {
  return message([[1, "string", mspId], [2, "bytes", new TextEncoder().encode(certificatePem)]]);
}

/** The governance library's canonical ballot bytes: what a ballot's signature covers. */
export function ballotBytes(ledgerId, proposalId, voterMspId, choiceCode, castAtMillis) {
  const encoder = new TextEncoder();
  const parts = [];
  for (const text of ["patchwork.ballot.v1", ledgerId, proposalId, voterMspId]) {
    const utf8 = encoder.encode(text);
    const size = new DataView(new ArrayBuffer(4));
    size.setInt32(0, utf8.length);
    parts.push(new Uint8Array(size.buffer), utf8);
  }
  const tail = new DataView(new ArrayBuffer(9));
  tail.setUint8(0, choiceCode);
  tail.setBigInt64(1, BigInt(castAtMillis));
  parts.push(new Uint8Array(tail.buffer));
  return concat(parts);
}
