package io.patchwork.node.contract;

import io.patchwork.ca.Role;
import java.security.cert.X509Certificate;
import java.util.Objects;

/** The identity that submitted a transaction: its organisation's MSP id, certificate and role. */
public record Caller(String mspId, X509Certificate certificate, Role role) {
  public Caller {
    Objects.requireNonNull(mspId, "mspId");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(role, "role");
  }
}
