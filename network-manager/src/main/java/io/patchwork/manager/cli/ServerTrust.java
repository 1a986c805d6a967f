package io.patchwork.manager.cli;

import io.patchwork.ca.Pem;
import io.patchwork.ca.ServiceIdentity;
import io.patchwork.node.host.NodeFiles;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * How the command line trusts the manager's HTTPS certificate: the system's authorities, an
 * authority from a file, or one pinned certificate fingerprint. The host name is checked in every
 * case (Java's HTTP client does it); nothing is ever trusted blindly.
 */
final class ServerTrust {
  private ServerTrust() {}

  static HttpClient client(Optional<String> fingerprint, Optional<Path> authorityFile)
      throws IOException, GeneralSecurityException {
    return client(fingerprint, authorityFile, Optional.empty());
  }

  /**
   * The same, presenting the certificate and key of the MSP folder {@code clientMsp} ({@code
   * signcerts/cert.pem}, {@code keystore/priv_sk}) when the server asks for one: a member admin
   * authenticating with its admin certificate instead of a token.
   */
  static HttpClient client(
      Optional<String> fingerprint, Optional<Path> authorityFile, Optional<Path> clientMsp)
      throws IOException, GeneralSecurityException {
    if (fingerprint.isEmpty() && authorityFile.isEmpty() && clientMsp.isEmpty()) {
      return HttpClient.newHttpClient();
    }
    TrustManager[] trust =
        fingerprint.isPresent()
            ? new TrustManager[] {pinned(ServiceIdentity.normalizedFingerprint(fingerprint.get()))}
            : authorityFile.isPresent()
                ? new TrustManager[] {authority(authorityFile.get())}
                : null;
    KeyManager[] keys = clientMsp.isPresent() ? keyManagers(clientMsp.get()) : null;
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys, trust, null);
    return HttpClient.newBuilder().sslContext(context).build();
  }

  private static KeyManager[] keyManagers(Path msp) throws IOException, GeneralSecurityException {
    List<X509Certificate> certificates =
        Pem.readCertificates(Files.readString(msp.resolve(NodeFiles.SIGNING_CERTIFICATE)));
    PrivateKey key = Pem.readPrivateKey(Files.readString(msp.resolve(NodeFiles.SIGNING_KEY)));
    char[] password = new char[0];
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("client", key, password, certificates.toArray(X509Certificate[]::new));
    KeyManagerFactory factory =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(store, password);
    return factory.getKeyManagers();
  }

  /** Trusts exactly the server certificate with this SHA-256 fingerprint. */
  private static X509TrustManager pinned(String expected) {
    return new X509TrustManager() {
      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        String presented = ServiceIdentity.fingerprint(chain[0]);
        if (!presented.equals(expected)) {
          throw new CertificateException(
              "the server's certificate fingerprint is " + presented + ", not " + expected);
        }
        chain[0].checkValidity();
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        throw new CertificateException("this client authenticates no one");
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
  }

  /** Trusts certificates the authorities in this PEM file issued, checked by PKIX. */
  private static X509TrustManager authority(Path file)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> roots =
        Pem.readCertificates(Files.readString(file, StandardCharsets.US_ASCII));
    if (roots.isEmpty()) {
      throw new CertificateException(file + " holds no certificate");
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    for (int i = 0; i < roots.size(); i++) {
      store.setCertificateEntry("authority-" + i, roots.get(i));
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        return x509;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager for " + file);
  }
}
