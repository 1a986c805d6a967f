package io.patchwork.ca;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A certificate in the authority's inventory, with what the authority knows about it.
 *
 * @param serial the serial number, unique within the authority
 * @param certificate the certificate itself
 * @param role its role
 * @param profile signing identity or TLS
 * @param organisation the member organisation in its subject
 * @param mspId the MSP id in its subject
 * @param commonName the common name in its subject
 * @param inviteId the invite it was issued through, if any
 * @param renewalOf the serial of the certificate it renews, if any
 * @param renewedBy the serial of the certificate that renewed it, if any
 * @param revocation its revocation, if revoked
 */
public record IssuedCertificate(
    BigInteger serial,
    X509Certificate certificate,
    Role role,
    CertificateProfile profile,
    String organisation,
    String mspId,
    String commonName,
    Optional<String> inviteId,
    Optional<BigInteger> renewalOf,
    Optional<BigInteger> renewedBy,
    Optional<Revocation> revocation) {

  public IssuedCertificate {
    Objects.requireNonNull(serial, "serial");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(organisation, "organisation");
    Objects.requireNonNull(mspId, "mspId");
    Objects.requireNonNull(commonName, "commonName");
    Objects.requireNonNull(inviteId, "inviteId");
    Objects.requireNonNull(renewalOf, "renewalOf");
    Objects.requireNonNull(renewedBy, "renewedBy");
    Objects.requireNonNull(revocation, "revocation");
  }

  /** The start of its validity. */
  public Instant notBefore() {
    return certificate.getNotBefore().toInstant();
  }

  /** The end of its validity. */
  public Instant notAfter() {
    return certificate.getNotAfter().toInstant();
  }

  /** Whether it is revoked. */
  public boolean isRevoked() {
    return revocation.isPresent();
  }

  /** The serial number as lower-case hexadecimal, as {@code openssl x509 -serial} prints it. */
  public String serialHex() {
    return serial.toString(16);
  }

  @Override
  public String toString() {
    return "IssuedCertificate[serial="
        + serialHex()
        + ", subject="
        + certificate.getSubjectX500Principal().getName()
        + ", role="
        + role
        + ", profile="
        + profile
        + ", notAfter="
        + notAfter()
        + (revocation.isPresent() ? ", revoked=" + revocation.get().reason() : "")
        + "]";
  }
}
