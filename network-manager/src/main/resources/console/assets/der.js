// The few DER (X.690) encodings a PKCS#10 request and an ECDSA signature need, and PEM armour.

function length(n) {
  if (n < 0x80) return [n];
  const bytes = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** The parts, one after the other. */
export function concat(parts) {
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function tlv(tag, ...contents) {
  const body = concat(contents.map((c) => (c instanceof Uint8Array ? c : new Uint8Array(c))));
  return concat([new Uint8Array([tag, ...length(body.length)]), body]);
}

export const sequence = (...items) => tlv(0x30, ...items);
export const set = (...items) => tlv(0x31, ...items);
export const utf8 = (text) => tlv(0x0c, new TextEncoder().encode(text));
export const ia5 = (text) => tlv(0x16, new TextEncoder().encode(text));
export const octets = (bytes) => tlv(0x04, bytes);
export const bitString = (bytes) => tlv(0x03, new Uint8Array([0]), bytes);
export const contextConstructed = (n, ...items) => tlv(0xa0 | n, ...items);

/** A non-negative INTEGER from big-endian bytes (leading zeros dropped, sign byte added). */
export function unsigned(bytes) {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.slice(i);
  return tlv(0x02, trimmed[0] & 0x80 ? concat([new Uint8Array([0]), trimmed]) : trimmed);
}

export function integer(n) {
  return unsigned(new Uint8Array([n]));
}

export function oid(dotted) {
  const parts = dotted.split(".").map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, bytes);
}

export function pem(label, bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  const lines = btoa(text).match(/.{1,64}/g).join("\n");
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}

export function unpem(text, label) {
  const match = new RegExp(`-----BEGIN ${label}-----([^-]+)-----END ${label}-----`).exec(text);
  if (!match) throw new Error(`no ${label} in the file`);
  return Uint8Array.from(atob(match[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
}
