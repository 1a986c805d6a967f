package io.patchwork.node.update;

import com.google.protobuf.ByteString;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Subjects;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.governance.DecisionEffects;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A member's revocation of certificates of its own, without a vote: what a lost laptop or a leaked
 * client key calls for at once. Revoking only ever takes trust away from the member's own
 * identities, so one admin signature of that member is enough, as the holder of a certificate may
 * ask its authority to revoke it.
 *
 * <p>The update's config must be the config in force with one authority's CRL replaced by a newer
 * one ({@link DecisionEffects#withRevocations}); each serial the CRL newly revokes must be one of
 * the carried certificates, issued by that authority to an organisation one of whose admins signed
 * the update. Deterministic, like every config rule.
 */
final class HolderRevocations {
  private HolderRevocations() {}

  /** Why {@code update} is no holder's revocation of its own certificates; empty if it is. */
  static Optional<String> refusal(
      LedgerConfig current, LedgerConfig next, ConfigUpdate update, Set<String> signingAdmins) {
    if (signingAdmins.isEmpty()) {
      return Optional.of("a revocation of a member's own certificates needs one of its admins");
    }
    if (next.getMembersCount() == 0 || current.getMembersCount() == 0) {
      return Optional.of("a ledger config names its members");
    }
    List<ByteString> added = new ArrayList<>();
    for (ByteString crl : next.getMembers(0).getCrlsList()) {
      if (!current.getMembers(0).getCrlsList().contains(crl)) {
        added.add(crl);
      }
    }
    if (added.size() != 1) {
      return Optional.of(
          "a revocation of a member's own certificates puts exactly one new CRL in force");
    }
    ByteString crl = added.get(0);
    X509Certificate authority;
    Set<BigInteger> revoked;
    try {
      if (!DecisionEffects.withRevocations(current, crl).equals(next)) {
        return Optional.of(
            "a revocation of a member's own certificates changes nothing but one authority's CRL");
      }
      authority = DecisionEffects.signedByLedgerAuthority(current, crl);
      revoked = DecisionEffects.newlyRevoked(current, crl);
    } catch (DecisionEffects.Inapplicable e) {
      return Optional.of(e.getMessage());
    }
    Map<BigInteger, X509Certificate> carried = new HashMap<>();
    for (ByteString pem : update.getHolderRevocation().getCertificatesList()) {
      try {
        List<X509Certificate> certificates =
            Pem.readCertificates(pem.toString(StandardCharsets.US_ASCII));
        if (certificates.size() != 1) {
          return Optional.of("each revoked certificate is carried as one PEM certificate");
        }
        X509Certificate certificate = certificates.get(0);
        certificate.verify(authority.getPublicKey());
        carried.put(certificate.getSerialNumber(), certificate);
      } catch (CertificateException e) {
        return Optional.of("a revoked certificate cannot be read: " + e.getMessage());
      } catch (GeneralSecurityException e) {
        return Optional.of("a carried certificate is not issued by the CRL's authority");
      }
    }
    for (BigInteger serial : revoked) {
      X509Certificate certificate = carried.get(serial);
      if (certificate == null) {
        return Optional.of(
            "the CRL revokes certificate "
                + serial.toString(16)
                + ", which the update does not carry: whose it is cannot be told");
      }
      Optional<String> holder = Subjects.mspIdOf(certificate);
      if (holder.isEmpty() || !signingAdmins.contains(holder.get())) {
        return Optional.of(
            "certificate "
                + serial.toString(16)
                + " is "
                + holder.orElse("no member organisation")
                + "'s; without a vote a member revokes only its own (signed by admins of "
                + String.join(", ", signingAdmins)
                + ")");
      }
    }
    return Optional.empty();
  }
}
