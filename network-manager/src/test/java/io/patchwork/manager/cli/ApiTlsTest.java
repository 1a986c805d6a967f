package io.patchwork.manager.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.patchwork.ca.Passphrase;
import io.patchwork.manager.Manager;
import io.patchwork.manager.api.ApiTls;
import io.patchwork.node.api.NodeAddresses;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API over HTTPS, and a command line that checks the server's certificate. */
@Tag("cluster")
class ApiTlsTest {
  @TempDir Path directory;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = ClientCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(exit, out.toString(), err.toString());
  }

  private Manager start(ApiTls tls) throws Exception {
    return Manager.start(
        new Manager.Settings(
            directory.resolve("manager"),
            "127.0.0.1",
            0,
            Optional.empty(),
            Passphrase.of("tls tests passphrase".toCharArray()),
            Optional.empty(),
            NodeAddresses.loopback(),
            Optional.of(tls)));
  }

  @Test
  void off_loopback_the_api_does_not_start_without_https() {
    assertThatThrownBy(
            () ->
                new Manager.Settings(
                    directory,
                    "0.0.0.0",
                    0,
                    Optional.empty(),
                    Passphrase.of("tls tests passphrase".toCharArray())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("off loopback: it serves HTTPS there");
  }

  @Test
  void a_cluster_over_https_without_an_authority_for_every_instance_does_not_start()
      throws Exception {
    ApiTls own = ApiTls.selfIssued(directory.resolve("api-tls"), List.of("127.0.0.1"));
    ApiTls withoutAuthority =
        new ApiTls(own.certificateChainPem(), own.keyPem(), own.certificate(), Optional.empty());

    assertThatThrownBy(
            () ->
                new Manager.Settings(
                    directory,
                    "127.0.0.1",
                    0,
                    Optional.of("jdbc:postgresql://127.0.0.1/test"),
                    Passphrase.of("tls tests passphrase".toCharArray()),
                    Optional.of(new Manager.Cluster("127.0.0.1", 5701, List.of("127.0.0.1:5701"))),
                    NodeAddresses.loopback(),
                    Optional.of(withoutAuthority)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name the authority that issued every instance's certificate");
  }

  @Test
  void the_command_line_trusts_the_services_authority_or_its_fingerprint_and_nothing_else()
      throws Exception {
    Path tlsDirectory = directory.resolve("api-tls");
    ApiTls tls = ApiTls.selfIssued(tlsDirectory, List.of("127.0.0.1"));
    try (Manager manager = start(tls)) {
      String url = manager.url();
      String token = manager.operatorTokenFile().toString();
      assertThat(url).startsWith("https://127.0.0.1:");

      Run byAuthority =
          run(
              "ledgers",
              "--url",
              url,
              "--token-file",
              token,
              "--ca-file",
              tlsDirectory.resolve(ApiTls.AUTHORITY_FILE).toString());
      assertThat(byAuthority.exit()).as(byAuthority.err()).isZero();
      assertThat(byAuthority.out()).contains("LEDGER");

      Run byFingerprint =
          run("ledgers", "--url", url, "--token-file", token, "--fingerprint", tls.fingerprint());
      assertThat(byFingerprint.exit()).as(byFingerprint.err()).isZero();

      // Another fingerprint: the real one with its first byte changed (1 in 256 starts with AB).
      String other =
          (tls.fingerprint().startsWith("AB:") ? "CD:" : "AB:") + tls.fingerprint().substring(3);
      Run wrongPin = run("ledgers", "--url", url, "--token-file", token, "--fingerprint", other);
      assertThat(wrongPin.exit()).isNotZero();
      assertThat(wrongPin.err()).contains("fingerprint is " + tls.fingerprint());

      Run untrusted = run("ledgers", "--url", url, "--token-file", token);
      assertThat(untrusted.exit()).isNotZero();
      assertThat(untrusted.out()).doesNotContain("LEDGER");

      // Plain HTTP gets no answer from the HTTPS port.
      HttpRequest plain =
          HttpRequest.newBuilder(URI.create(url.replace("https://", "http://") + "/health"))
              .build();
      assertThatThrownBy(
              () -> HttpClient.newHttpClient().send(plain, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void a_self_issued_identity_is_kept_and_reused_while_it_names_the_host() throws Exception {
    Path tlsDirectory = directory.resolve("api-tls");
    ApiTls first = ApiTls.selfIssued(tlsDirectory, List.of("127.0.0.1"));

    assertThat(ApiTls.selfIssued(tlsDirectory, List.of("127.0.0.1")).fingerprint())
        .isEqualTo(first.fingerprint());
    assertThat(ApiTls.selfIssued(tlsDirectory, List.of("manager.bank-a.example")).fingerprint())
        .isNotEqualTo(first.fingerprint());
    assertThat(tlsDirectory.resolve("key.pem")).isReadable();
  }
}
