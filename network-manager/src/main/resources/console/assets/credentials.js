// A member's credentials as files: Fabric MSP folders (with NodeOUs), the client's TLS pair, the
// connection profile and the member admin's API token — the layout `patchwork join --out` writes —
// and, read back from that zip, the admin identity that signs proposals and ballots.

import {unzip, zip} from "./zip.js";

function nodeOus(issuerFile) {
  let yaml = "NodeOUs:\n  Enable: true\n";
  for (const [name, ou] of [["ClientOUIdentifier", "client"], ["PeerOUIdentifier", "peer"], ["AdminOUIdentifier", "admin"], ["OrdererOUIdentifier", "orderer"]]) {
    yaml += `  ${name}:\n    Certificate: ${issuerFile}\n    OrganizationalUnitIdentifier: ${ou}\n`;
  }
  return yaml;
}

function msp(prefix, redeemed, certificatePem, keyPem) {
  const chain = redeemed.chain;
  const root = chain[chain.length - 1];
  const files = {
    [`${prefix}/cacerts/ca.pem`]: root,
    [`${prefix}/tlscacerts/tlsca.pem`]: root,
    [`${prefix}/signcerts/cert.pem`]: certificatePem,
    [`${prefix}/keystore/priv_sk`]: keyPem,
  };
  let issuer = "cacerts/ca.pem";
  if (chain.length > 1) {
    issuer = "intermediatecerts/ca.pem";
    files[`${prefix}/intermediatecerts/ca.pem`] = chain.slice(0, -1).join("");
    files[`${prefix}/tlsintermediatecerts/tlsca.pem`] = chain.slice(0, -1).join("");
  }
  for (const crl of redeemed.msp.crls || []) files[`${prefix}/crls/crl.pem`] = crl;
  files[`${prefix}/config.yaml`] = nodeOus(issuer);
  return files;
}

export function issued(redeemed, role, profile) {
  const found = redeemed.certificates.find((c) => c.role === role && c.profile === profile);
  if (!found) throw new Error(`the authority issued no ${role} ${profile} certificate`);
  return found.pem;
}

/** The zip the member saves: {admin,client}/msp, client/tls, connection-profile.json, api-token. */
export function credentialsZip(redeemed, keys) {
  return zip({
    ...msp("admin/msp", redeemed, issued(redeemed, "ADMIN", "SIGNING"), keys.admin),
    ...msp("client/msp", redeemed, issued(redeemed, "CLIENT", "SIGNING"), keys.client),
    "client/tls/cert.pem": issued(redeemed, "CLIENT", "TLS"),
    "client/tls/key.pem": keys.clientTls,
    "client/tls/ca.crt": redeemed.chain[redeemed.chain.length - 1],
    "connection-profile.json": JSON.stringify(redeemed.connectionProfile, null, 2) + "\n",
    "api-token": `${redeemed.apiToken}\n`,
  });
}

/** The admin identity and API token in a credentials zip (as saved, or zipped again). */
export async function adminFromZip(bytes) {
  const files = await unzip(bytes);
  const text = (suffix) => {
    const name = Object.keys(files).find((n) => n.endsWith(suffix));
    if (!name) throw new Error(`the zip holds no ${suffix}`);
    return new TextDecoder().decode(files[name]);
  };
  const profile = JSON.parse(text("connection-profile.json"));
  return {
    ledger: profile.ledger,
    mspId: profile.mspId,
    token: text("api-token").trim(),
    certificate: text("admin/msp/signcerts/cert.pem"),
    keyPem: text("admin/msp/keystore/priv_sk"),
  };
}
