package io.patchwork.ca;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * What redeeming an invite yields: the certificates, in the order of the CSRs, and the chain that
 * validates them (this authority's certificate first, the trust root last).
 */
public record Redemption(
    Invite invite, List<IssuedCertificate> certificates, List<X509Certificate> chain) {
  public Redemption {
    Objects.requireNonNull(invite, "invite");
    certificates = List.copyOf(certificates);
    chain = List.copyOf(chain);
  }
}
