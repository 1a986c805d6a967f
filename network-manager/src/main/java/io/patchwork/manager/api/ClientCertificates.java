package io.patchwork.manager.api;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS side of client-certificate authentication. A ledger's authority, not the TLS layer,
 * decides whether a member admin's certificate counts, and it answers from its store at each
 * request (a revocation counts at once), so the handshake takes any client certificate: it proves
 * only that the client holds the certificate's key. {@link Authentication} then checks the
 * certificate through {@code CertificateLogins} before a route sees the request; a request whose
 * certificate does not pass is refused there. Server certificates are never checked with this.
 */
final class ClientCertificates {
  /** Asks for a client certificate from any issuer and leaves its checks to each request. */
  static final X509TrustManager CHECKED_PER_REQUEST =
      new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
            throws CertificateException {
          if (chain == null || chain.length == 0) {
            throw new CertificateException("an empty client certificate chain");
          }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
            throws CertificateException {
          throw new CertificateException("this trust manager checks no server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      };

  private ClientCertificates() {}
}
