package io.patchwork.node.net;

import static org.assertj.core.api.Assertions.assertThatCode;

import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Role;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTrustTest {
  @TempDir Path directory;

  @Test
  void with_two_authorities_and_their_crls_certificates_of_either_are_trusted() throws Exception {
    try (EmbeddedDatabase database = EmbeddedDatabase.open(directory.resolve("db"))) {
      CertificateAuthorities authorities =
          CertificateAuthorities.builder()
              .dataSource(database.dataSource())
              .keyDirectory(directory.resolve("keys"))
              .passphrase(Passphrase.of("ledger trust tests".toCharArray()))
              .build();
      CertificateAuthority first = authorities.createRoot(AuthoritySpec.of("first", "Operator"));
      CertificateAuthority second = authorities.createRoot(AuthoritySpec.of("second", "Members"));
      X509TrustManager both =
          LedgerTrust.trustManager(
              List.of(first.certificate(), second.certificate()),
              List.of(),
              List.of(first.crl(), second.crl()));

      for (CertificateAuthority authority : List.of(first, second)) {
        IssuedCredential tls =
            authority.issueWithNewKey(
                CertificateRequest.tls(
                    "peer0",
                    Role.PEER,
                    "Bank A",
                    "BankAMSP",
                    List.of("localhost"),
                    List.of(InetAddress.getLoopbackAddress())));
        X509Certificate[] chain = {tls.certificate().certificate()};
        assertThatCode(() -> both.checkClientTrusted(chain, "ECDHE_ECDSA"))
            .as(authority.toString())
            .doesNotThrowAnyException();
        assertThatCode(() -> both.checkServerTrusted(chain, "ECDHE_ECDSA"))
            .as(authority.toString())
            .doesNotThrowAnyException();
      }
    }
  }
}
