package io.patchwork.ca;

import java.security.PrivateKey;
import java.util.Objects;

/**
 * A certificate together with the private key the authority generated for it. The authority does
 * not keep the key: this object is the only copy. {@link #toString()} never shows the key.
 */
public record IssuedCredential(IssuedCertificate certificate, PrivateKey privateKey) {
  public IssuedCredential {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
  }

  @Override
  public String toString() {
    return "IssuedCredential[" + certificate + ", privateKey=redacted]";
  }
}
