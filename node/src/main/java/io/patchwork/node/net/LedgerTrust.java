package io.patchwork.node.net;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Whom a node trusts in TLS: certificates that chain to the ledger's trust roots (through its
 * intermediates) and are not on the ledger's CRLs. Built on the JDK's PKIX trust manager, which
 * also checks host names for clients and key usage.
 */
public final class LedgerTrust {
  private LedgerTrust() {}

  /**
   * A trust manager for the ledger's roots, intermediates and CRLs.
   *
   * @throws IllegalArgumentException if the material cannot make a PKIX trust manager
   */
  public static X509TrustManager trustManager(
      List<X509Certificate> roots, List<X509Certificate> intermediates, List<X509CRL> crls) {
    Objects.requireNonNull(roots, "roots");
    try {
      KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
      anchors.load(null, null);
      for (int i = 0; i < roots.size(); i++) {
        anchors.setCertificateEntry("root-" + i, roots.get(i));
      }
      PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, new X509CertSelector());
      List<Object> material = new ArrayList<>(intermediates);
      material.addAll(crls);
      parameters.addCertStore(
          CertStore.getInstance("Collection", new CollectionCertStoreParameters(material)));
      // The ledger's CRLs are the whole revocation story: there is no OCSP responder or CRL
      // distribution point to fetch, so checking is on exactly when CRLs are known.
      parameters.setRevocationEnabled(!crls.isEmpty());
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(new CertPathTrustManagerParameters(parameters));
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          return x509;
        }
      }
      throw new IllegalArgumentException("the JDK offers no X.509 trust manager");
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("trust roots cannot make a trust manager", e);
    }
  }
}
