package io.patchwork.ca;

import java.time.Instant;
import java.util.Objects;

/** When and why a certificate was revoked. */
public record Revocation(Instant revokedAt, RevocationReason reason) {
  public Revocation {
    Objects.requireNonNull(revokedAt, "revokedAt");
    Objects.requireNonNull(reason, "reason");
  }
}
