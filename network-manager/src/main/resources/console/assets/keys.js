// Keys made and used in the browser with WebCrypto: P-256 key pairs, PKCS#10 requests signed with
// them, and Fabric-style signatures (ECDSA over SHA-256, low S, DER). Private keys leave this
// module only as the PKCS#8 files the member saves; nothing here sends them anywhere.

import {bitString, contextConstructed, ia5, octets, oid, pem, sequence, set, unpem, unsigned, utf8} from "./der.js";

const ECDSA = {name: "ECDSA", namedCurve: "P-256"};
const SIGN = {name: "ECDSA", hash: "SHA-256"};
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  organizationIdentifier: "2.5.4.97",
  organization: "2.5.4.10",
  organizationalUnit: "2.5.4.11",
  commonName: "2.5.4.3",
  extensionRequest: "1.2.840.113549.1.9.14",
  subjectAltName: "2.5.29.17",
};

/** A new P-256 key pair; extractable so the member can save it once. */
export function newKeyPair() {
  return crypto.subtle.generateKey(ECDSA, true, ["sign", "verify"]);
}

export async function privateKeyPem(key) {
  return pem("PRIVATE KEY", new Uint8Array(await crypto.subtle.exportKey("pkcs8", key)));
}

/** A signing key the page can use but never read back (kept in IndexedDB). */
export function importSigningKey(pkcs8Pem) {
  return crypto.subtle.importKey("pkcs8", unpem(pkcs8Pem, "PRIVATE KEY"), ECDSA, false, ["sign"]);
}

function bigint(bytes) {
  return BigInt(`0x${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("") || "0"}`);
}

function bytes32(n) {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) { out[i] = Number(n & 0xffn); n >>= 8n; }
  return out;
}

/** ECDSA with SHA-256 over message, as Fabric wants it: S in the lower half, DER-encoded. */
export async function sign(privateKey, message) {
  const raw = new Uint8Array(await crypto.subtle.sign(SIGN, privateKey, message));
  const r = raw.slice(0, 32);
  let s = bigint(raw.slice(32));
  if (s > N >> 1n) s = N - s;
  return sequence(unsigned(r), unsigned(bytes32(s)));
}

/**
 * A PKCS#10 request for the subject the authority certifies: organizationIdentifier (the MSP id),
 * O, OU (the role), CN; a TLS request may ask for DNS names.
 */
export async function certificateRequest(keyPair, {mspId, organization, role, commonName, dnsNames}) {
  const rdn = (type, value) => set(sequence(oid(type), utf8(value)));
  const subject = sequence(
    rdn(OID.organizationIdentifier, mspId),
    rdn(OID.organization, organization),
    rdn(OID.organizationalUnit, role),
    rdn(OID.commonName, commonName));
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keyPair.publicKey));
  const attributes = dnsNames && dnsNames.length
    ? contextConstructed(0, sequence(oid(OID.extensionRequest), set(sequence(
        sequence(oid(OID.subjectAltName), octets(sequence(...dnsNames.map((n) => {
          const name = ia5(n);
          name[0] = 0x82; // [2] IMPLICIT dNSName
          return name;
        }))))))))
    : contextConstructed(0);
  const info = sequence(unsigned(new Uint8Array([0])), subject, spki, attributes);
  const signature = await sign(keyPair.privateKey, info);
  return pem("CERTIFICATE REQUEST", sequence(info, sequence(oid(OID.ecdsaWithSha256)), bitString(signature)));
}

// Admin keys kept in this browser, non-extractable, by ledger and MSP id.
const DB = "patchwork-console";
const STORE = "admin-keys";

function database() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function keepAdminKey(ledger, mspId, key) {
  const db = await database();
  await new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, "readwrite");
    tx.objectStore(STORE).put(key, `${ledger}/${mspId}`);
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

export async function keptAdminKey(ledger, mspId) {
  const db = await database();
  const key = await new Promise((resolve, reject) => {
    const request = db.transaction(STORE).objectStore(STORE).get(`${ledger}/${mspId}`);
    request.onsuccess = () => resolve(request.result || null);
    request.onerror = () => reject(request.error);
  });
  db.close();
  return key;
}
