package io.patchwork.node.launch;

/**
 * The file layout a standalone node is started from ({@code patchwork node run}): the names a
 * member's node folder uses, so that what writes such a folder and what reads it agree.
 *
 * <pre>
 * genesis.block            the ledger's genesis block
 * msp/signcerts/cert.pem   the node's signing certificate (a Fabric MSP folder)
 * msp/keystore/priv_sk     its private key, PKCS#8 PEM, unencrypted
 * tls/cert.pem             the node's TLS certificate, then the chain above it
 * tls/key.pem              its private key
 * </pre>
 */
public final class NodeFiles {
  public static final String GENESIS = "genesis.block";
  public static final String MSP = "msp";
  public static final String SIGNING_CERTIFICATE = "signcerts/cert.pem";
  public static final String SIGNING_KEY = "keystore/priv_sk";
  public static final String TLS = "tls";
  public static final String TLS_CERTIFICATE = "cert.pem";
  public static final String TLS_KEY = "key.pem";

  private NodeFiles() {}
}
