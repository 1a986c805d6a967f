package io.patchwork.ca;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** Builds certificate subjects, checks the names that go into them, and reads them back. */
public final class Subjects {
  static final int MAX_NAME_LENGTH = 64;
  static final int MAX_ALTERNATIVE_NAMES = 16;
  static final Duration MAX_LEAF_LIFETIME = Duration.ofDays(10 * 366);

  private static final Pattern LEDGER_ID = Pattern.compile("[a-z][a-z0-9.-]{0,62}");
  private static final Pattern MSP_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern DNS_LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private Subjects() {}

  /**
   * The MSP id a certificate this module issued carries in its subject's organizationIdentifier
   * (OID 2.5.4.97); empty if it names none.
   */
  public static Optional<String> mspIdOf(X509Certificate certificate) {
    return single(certificate, BCStyle.ORGANIZATION_IDENTIFIER);
  }

  /**
   * The common name of a certificate's subject — for a node's certificate this module issued, the
   * node id; empty if it names none or several.
   */
  public static Optional<String> commonNameOf(X509Certificate certificate) {
    return single(certificate, BCStyle.CN);
  }

  /** The organisation (O) a certificate's subject names; empty if it names none or several. */
  public static Optional<String> organizationOf(X509Certificate certificate) {
    return single(certificate, BCStyle.O);
  }

  /**
   * The role a certificate this module issued carries in its subject's organizational unit (Fabric
   * NodeOUs); empty if it names none or another.
   */
  public static Optional<Role> roleOf(X509Certificate certificate) {
    return single(certificate, BCStyle.OU).flatMap(Role::fromOrganizationalUnit);
  }

  private static Optional<String> single(
      X509Certificate certificate, org.bouncycastle.asn1.ASN1ObjectIdentifier attribute) {
    org.bouncycastle.asn1.x500.RDN[] names =
        X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()).getRDNs(attribute);
    if (names.length != 1) {
      return Optional.empty();
    }
    return Optional.of(
        org.bouncycastle.asn1.x500.style.IETFUtils.valueToString(names[0].getFirst().getValue()));
  }

  /** {@code CN=<commonName>, OU=<role>, O=<organisation>, organizationIdentifier=<mspId>}. */
  static X500Name leaf(CertificateRequest request) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.ORGANIZATION_IDENTIFIER, request.mspId())
        .addRDN(BCStyle.O, request.organisation())
        .addRDN(BCStyle.OU, request.role().organizationalUnit())
        .addRDN(BCStyle.CN, request.commonName())
        .build();
  }

  /** {@code CN=<commonName>, O=<organisation>} for an authority. */
  static X500Name authority(AuthoritySpec spec) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, spec.organisation())
        .addRDN(BCStyle.CN, spec.commonName())
        .build();
  }

  static void checkLedgerId(String ledgerId) throws CaException {
    if (!LEDGER_ID.matcher(ledgerId).matches()) {
      throw invalid(
          "ledger id '"
              + printable(ledgerId)
              + "' must be a lower-case letter followed by up to 62 lower-case letters, digits,"
              + " '.' or '-'");
    }
  }

  static void checkAuthority(AuthoritySpec spec) throws CaException {
    checkLedgerId(spec.ledgerId());
    checkName("organisation", spec.organisation());
    checkName("common name", spec.commonName());
    checkPositive("authority lifetime", spec.authorityLifetime());
    checkPositive("leaf lifetime", spec.leafLifetime());
    checkPositive("CRL validity", spec.crlValidity());
    if (spec.leafLifetime().compareTo(spec.authorityLifetime()) > 0) {
      throw invalid("leaf lifetime must not exceed the authority lifetime");
    }
  }

  static void checkRequest(CertificateRequest request) throws CaException {
    checkName("common name", request.commonName());
    checkName("organisation", request.organisation());
    checkMspId(request.mspId());
    int names = request.dnsNames().size() + request.ipAddresses().size();
    if (names > MAX_ALTERNATIVE_NAMES) {
      throw invalid(
          "a certificate may name at most " + MAX_ALTERNATIVE_NAMES + " hosts, not " + names);
    }
    for (String dns : request.dnsNames()) {
      checkDnsName(dns);
    }
    if (request.profile() == CertificateProfile.TLS && request.role().isNode() && names == 0) {
      throw invalid(
          "a TLS certificate for a "
              + request.role().organizationalUnit()
              + " must name at least one DNS name or IP address");
    }
    if (request.lifetime().isPresent()) {
      Duration lifetime = request.lifetime().get();
      checkPositive("lifetime", lifetime);
      if (lifetime.compareTo(MAX_LEAF_LIFETIME) > 0) {
        throw invalid("lifetime must not exceed 10 years");
      }
    }
    for (InetAddress address : request.ipAddresses()) {
      if (address.isAnyLocalAddress() || address.isMulticastAddress()) {
        throw invalid("IP address " + address.getHostAddress() + " cannot name a host");
      }
    }
  }

  static void checkInviteScope(InviteScope scope) throws CaException {
    checkName("organisation", scope.organisation());
    checkMspId(scope.mspId());
    if (scope.roles().isEmpty()) {
      throw invalid("an invite must allow at least one role");
    }
    if (scope.maxNodes() < 0 || scope.maxNodes() > InviteScope.MAX_NODES) {
      throw invalid("an invite's node quota must be between 0 and " + InviteScope.MAX_NODES);
    }
    if (scope.maxNodes() > 0 && scope.roles().stream().noneMatch(Role::isNode)) {
      throw invalid("an invite with a node quota must allow the peer or orderer role");
    }
    if (scope.validity().compareTo(Duration.ofMinutes(1)) < 0
        || scope.validity().compareTo(InviteScope.MAX_VALIDITY) > 0) {
      throw invalid("an invite must be valid for between 1 minute and 30 days");
    }
  }

  static void checkMspId(String mspId) throws CaException {
    if (!MSP_ID.matcher(mspId).matches()) {
      throw invalid(
          "MSP id '" + printable(mspId) + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
  }

  private static void checkName(String what, String value) throws CaException {
    if (value.isBlank() || value.length() > MAX_NAME_LENGTH) {
      throw invalid(what + " must be 1 to " + MAX_NAME_LENGTH + " characters");
    }
    if (value.chars().anyMatch(Character::isISOControl)) {
      throw invalid(what + " must not contain control characters");
    }
  }

  private static void checkDnsName(String dns) throws CaException {
    boolean valid = !dns.isEmpty() && dns.length() <= 253;
    if (valid) {
      for (String label : dns.split("\\.", -1)) {
        valid &= DNS_LABEL.matcher(label).matches();
      }
    }
    if (!valid) {
      throw invalid("'" + printable(dns) + "' is not a DNS host name");
    }
  }

  private static void checkPositive(String what, Duration duration) throws CaException {
    if (duration.isNegative() || duration.isZero()) {
      throw invalid(what + " must be positive");
    }
  }

  /** A value safe to echo in a message: at most 80 characters, control characters replaced. */
  static String printable(String value) {
    String cut = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    return cut.codePoints()
        .map(c -> Character.isISOControl(c) ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString();
  }

  static CaException invalid(String message) {
    return new CaException(CaError.INVALID_ARGUMENT, message);
  }

  /** The DNS names a certificate's subject alternative names list. */
  public static List<String> dnsNamesOf(X509Certificate certificate) throws CaException {
    List<String> names = new ArrayList<>();
    for (List<?> name : alternativeNames(certificate)) {
      if (Integer.valueOf(2).equals(name.get(0))) {
        names.add((String) name.get(1));
      }
    }
    return names;
  }

  /** The IP addresses a certificate's subject alternative names list. */
  public static List<InetAddress> ipAddressesOf(X509Certificate certificate) throws CaException {
    List<InetAddress> addresses = new ArrayList<>();
    for (List<?> name : alternativeNames(certificate)) {
      if (Integer.valueOf(7).equals(name.get(0))) {
        try {
          addresses.add(InetAddress.getByName((String) name.get(1)));
        } catch (UnknownHostException e) {
          throw new CaException(CaError.STORAGE_FAILURE, "a stored IP address is damaged", e);
        }
      }
    }
    return addresses;
  }

  private static Collection<List<?>> alternativeNames(X509Certificate certificate)
      throws CaException {
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      return names == null ? List.of() : names;
    } catch (CertificateParsingException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "a stored certificate is damaged", e);
    }
  }
}
