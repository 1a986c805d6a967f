package io.patchwork.manager;

import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** A TLS connection to a ledger node as a gRPC client makes one, for tests of what TLS decides. */
final class TlsProbe {
  private TlsProbe() {}

  /**
   * A TLS 1.3 connection to {@code endpoint} (ALPN h2) trusting {@code roots} and presenting {@code
   * certificate} for {@code key}, its handshake done (a server that refuses the client's
   * certificate says so at the first read).
   */
  /** The certificate the node at {@code endpoint} presents in a TLS handshake now. */
  static X509Certificate presented(
      String endpoint, List<X509Certificate> roots, PrivateKey key, X509Certificate certificate)
      throws Exception {
    try (SSLSocket socket = open(endpoint, roots, key, certificate)) {
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  static SSLSocket open(
      String endpoint, List<X509Certificate> roots, PrivateKey key, X509Certificate certificate)
      throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    for (int i = 0; i < roots.size(); i++) {
      trust.setCertificateEntry("root" + i, roots.get(i));
    }
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    char[] password = "probe".toCharArray();
    keys.setKeyEntry("tls", key, password, new Certificate[] {certificate});
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
    keyManagers.init(keys, password);
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
    trustManagers.init(trust);
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
    int colon = endpoint.lastIndexOf(':');
    SSLSocket socket =
        (SSLSocket)
            context
                .getSocketFactory()
                .createSocket(
                    endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)));
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(parameters);
    socket.setSoTimeout(1_000);
    socket.startHandshake();
    return socket;
  }
}
