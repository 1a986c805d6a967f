package io.patchwork.manager;

import io.patchwork.ca.AuthoritySpec;
import java.time.Duration;
import java.util.Objects;

/**
 * How long the certificates a new ledger's authority issues last, and how long before expiry the
 * manager renews those it holds (its nodes' and the admin identities members keep with it). A
 * certificate is renewed once less than {@code renewBefore} — or less than a third of {@code
 * lifetime}, whichever is shorter — is left.
 */
public record CertificatePolicy(Duration lifetime, Duration renewBefore) {
  /** A year, renewed 30 days before expiry. */
  public static final CertificatePolicy DEFAULT =
      new CertificatePolicy(AuthoritySpec.DEFAULT_LEAF_LIFETIME, Duration.ofDays(30));

  public CertificatePolicy {
    Objects.requireNonNull(lifetime, "lifetime");
    Objects.requireNonNull(renewBefore, "renewBefore");
    if (lifetime.compareTo(Duration.ofSeconds(30)) < 0) {
      throw new IllegalArgumentException("certificates last at least 30 s, not " + lifetime);
    }
    if (renewBefore.isNegative() || renewBefore.isZero()) {
      throw new IllegalArgumentException("the renewal window must be positive, not " + renewBefore);
    }
  }
}
