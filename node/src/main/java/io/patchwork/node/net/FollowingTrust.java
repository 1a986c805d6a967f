package io.patchwork.node.net;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A node's TLS trust that follows the ledger config: every handshake is judged by the trust manager
 * of the config in force, swapped in when a config change commits (a member decision adds a new
 * authority's root, a CRL revokes a certificate). Thread-safe.
 */
final class FollowingTrust extends X509ExtendedTrustManager {
  private volatile X509TrustManager current;

  FollowingTrust(X509TrustManager initial) {
    this.current = Objects.requireNonNull(initial, "initial");
  }

  void follow(X509TrustManager next) {
    current = Objects.requireNonNull(next, "next");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    current.checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    current.checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    if (current instanceof X509ExtendedTrustManager extended) {
      extended.checkClientTrusted(chain, authType, socket);
    } else {
      current.checkClientTrusted(chain, authType);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    if (current instanceof X509ExtendedTrustManager extended) {
      extended.checkServerTrusted(chain, authType, socket);
    } else {
      current.checkServerTrusted(chain, authType);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    if (current instanceof X509ExtendedTrustManager extended) {
      extended.checkClientTrusted(chain, authType, engine);
    } else {
      current.checkClientTrusted(chain, authType);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    if (current instanceof X509ExtendedTrustManager extended) {
      extended.checkServerTrusted(chain, authType, engine);
    } else {
      current.checkServerTrusted(chain, authType);
    }
  }

  /**
   * None named: TLS servers send this list to clients once, when their context is built, and a
   * client whose certificate is not from a listed issuer sends none — so a list fixed at startup
   * would shut out certificates of an authority the members added later. Every handshake is still
   * judged by the current trust.
   */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
