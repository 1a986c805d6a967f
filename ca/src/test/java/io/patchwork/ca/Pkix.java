package io.patchwork.ca;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Validates chains with the JDK's PKIX CertPathValidator, CRL checking on. */
final class Pkix {
  private Pkix() {}

  /**
   * Validates leaf + intermediates up to the trust root at the instant, checking the leaf against
   * the CRL (and, when {@code everyLevel}, every certificate below the root against CRLs given).
   */
  static void validate(
      X509Certificate leaf,
      List<X509Certificate> chain,
      List<X509CRL> crls,
      Instant at,
      boolean onlyEndEntity)
      throws GeneralSecurityException {
    X509Certificate root = chain.get(chain.size() - 1);
    List<X509Certificate> path = new ArrayList<>();
    path.add(leaf);
    path.addAll(chain.subList(0, chain.size() - 1));
    CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    parameters.setDate(Date.from(at));
    parameters.addCertStore(
        CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
    CertPathValidator validator = CertPathValidator.getInstance("PKIX");
    parameters.setRevocationEnabled(true);
    PKIXRevocationChecker checker = (PKIXRevocationChecker) validator.getRevocationChecker();
    EnumSet<PKIXRevocationChecker.Option> options =
        EnumSet.of(
            PKIXRevocationChecker.Option.PREFER_CRLS, PKIXRevocationChecker.Option.NO_FALLBACK);
    if (onlyEndEntity) {
      options.add(PKIXRevocationChecker.Option.ONLY_END_ENTITY);
    }
    checker.setOptions(options);
    parameters.addCertPathChecker(checker);
    validator.validate(certPath, parameters);
  }
}
