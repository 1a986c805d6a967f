package io.patchwork.ca;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an operator asks the authority to certify: the subject (common name, role, organisation, MSP
 * id), the profile and, for TLS, the subject alternative names.
 *
 * <p>Issued subjects read {@code CN=<commonName>, OU=<role>, O=<organisation>,
 * organizationIdentifier=<mspId>}: the role is a Fabric NodeOU and the MSP id travels in the
 * standard organizationIdentifier attribute (OID 2.5.4.97).
 *
 * @param commonName the identity's name, 1 to 64 characters
 * @param role the Fabric NodeOU role
 * @param organisation the member organisation, 1 to 64 characters
 * @param mspId the member's MSP id: letters, digits, '.', '_' or '-', 1 to 64 characters
 * @param profile signing identity or TLS
 * @param dnsNames DNS subject alternative names
 * @param ipAddresses IP subject alternative names
 * @param lifetime the validity wanted, or empty for the authority's default
 */
public record CertificateRequest(
    String commonName,
    Role role,
    String organisation,
    String mspId,
    CertificateProfile profile,
    List<String> dnsNames,
    List<InetAddress> ipAddresses,
    Optional<Duration> lifetime) {

  public CertificateRequest {
    Objects.requireNonNull(commonName, "commonName");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(organisation, "organisation");
    Objects.requireNonNull(mspId, "mspId");
    Objects.requireNonNull(profile, "profile");
    dnsNames = List.copyOf(Objects.requireNonNull(dnsNames, "dnsNames"));
    ipAddresses = List.copyOf(Objects.requireNonNull(ipAddresses, "ipAddresses"));
    Objects.requireNonNull(lifetime, "lifetime");
  }

  /** A signing identity ({@code signcerts/}) with the authority's default lifetime. */
  public static CertificateRequest signing(
      String commonName, Role role, String organisation, String mspId) {
    return new CertificateRequest(
        commonName,
        role,
        organisation,
        mspId,
        CertificateProfile.SIGNING,
        List.of(),
        List.of(),
        Optional.empty());
  }

  /** A TLS identity naming the given hosts, with the authority's default lifetime. */
  public static CertificateRequest tls(
      String commonName,
      Role role,
      String organisation,
      String mspId,
      List<String> dnsNames,
      List<InetAddress> ipAddresses) {
    return new CertificateRequest(
        commonName,
        role,
        organisation,
        mspId,
        CertificateProfile.TLS,
        dnsNames,
        ipAddresses,
        Optional.empty());
  }

  /** This request with another lifetime. */
  public CertificateRequest withLifetime(Duration lifetime) {
    return new CertificateRequest(
        commonName,
        role,
        organisation,
        mspId,
        profile,
        dnsNames,
        ipAddresses,
        Optional.of(lifetime));
  }
}
