package io.patchwork.node.api;

import java.security.cert.X509Certificate;
import java.util.Objects;

/** The certificates a node uses now: the one it signs with and the one it presents in TLS. */
public record NodeCertificates(X509Certificate signing, X509Certificate tls) {
  public NodeCertificates {
    Objects.requireNonNull(signing, "signing");
    Objects.requireNonNull(tls, "tls");
  }
}
