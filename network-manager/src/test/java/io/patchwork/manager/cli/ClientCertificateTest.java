package io.patchwork.manager.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Pem;
import io.patchwork.ca.RevocationReason;
import io.patchwork.manager.Cli;
import io.patchwork.manager.Manager;
import io.patchwork.manager.api.ApiTls;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.manager.ledger.CertificateLogins;
import io.patchwork.node.api.NodeAddresses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member admin authenticates to the API with its admin certificate over mutual TLS instead of a
 * token; certificates that are not a current member admin's, or that its authority revoked, are
 * refused with their own codes.
 */
@Tag("cluster")
class ClientCertificateTest {
  @TempDir Path directory;

  @Test
  void a_member_admin_signs_in_with_its_certificate_and_a_revoked_one_is_refused_at_once()
      throws Exception {
    ApiTls tls = ApiTls.selfIssued(directory.resolve("api-tls"), List.of("127.0.0.1"));
    try (Manager manager =
        Manager.start(
            new Manager.Settings(
                directory.resolve("manager"),
                "127.0.0.1",
                0,
                Optional.empty(),
                Passphrase.of("client certificate passphrase".toCharArray()),
                Optional.empty(),
                NodeAddresses.loopback(),
                Optional.of(tls)))) {
      List<String> server = List.of("--url", manager.url(), "--fingerprint", tls.fingerprint());
      List<String> operator = new ArrayList<>(server);
      operator.addAll(List.of("--token-file", manager.operatorTokenFile().toString()));
      Cli.ok(
          operator,
          "create-ledger",
          "trade",
          "--template",
          "payments-netting",
          "--party",
          "Bank A:BankAMSP",
          "--party",
          "Bank B:BankBMSP",
          "--party",
          "Bank C:BankCMSP");
      Cli.ok(
          operator,
          "create-ledger",
          "other",
          "--template",
          "payments-netting",
          "--party",
          "Bank B:BankBMSP",
          "--party",
          "Bank C:BankCMSP");
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!Cli.ok(operator, "ledger", "trade").contains("ACTIVE")) {
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(200);
      }
      Matcher invite =
          Pattern.compile("(pwi_\\S+)").matcher(Cli.ok(operator, "invite", "trade", "BankAMSP"));
      assertThat(invite.find()).isTrue();
      Path bankA = directory.resolve("bank-a");
      Cli.ok(
          server,
          "join",
          "trade",
          "--invite",
          invite.group(1),
          "--organization",
          "Bank A",
          "--msp-id",
          "BankAMSP",
          "--out",
          bankA.toString());
      List<String> asAdmin = new ArrayList<>(server);
      asAdmin.addAll(List.of("--client-cert", bankA.resolve("admin/msp").toString()));

      // The admin certificate is the credential: no token is sent.
      assertThat(Cli.ok(asAdmin, "ledger", "trade")).contains("trade: ACTIVE");
      String listed = Cli.ok(asAdmin, "ledgers");
      assertThat(listed).contains("trade").doesNotContain("other");
      Cli.Result elsewhere = Cli.run(asAdmin, "ledger", "other");
      assertThat(elsewhere.exit()).isNotZero();
      assertThat(elsewhere.err()).contains("FORBIDDEN");

      // A client (application) certificate of the same member does not act on the API.
      List<String> asClient = new ArrayList<>(server);
      asClient.addAll(List.of("--client-cert", bankA.resolve("client/msp").toString()));
      Cli.Result client = Cli.run(asClient, "ledger", "trade");
      assertThat(client.err())
          .contains("CLIENT_CERTIFICATE_REFUSED")
          .contains("client certificate;");

      // Nor does one no ledger authority of this manager issued.
      Path foreign = directory.resolve("foreign/msp");
      Files.createDirectories(foreign.resolve("signcerts"));
      Files.createDirectories(foreign.resolve("keystore"));
      ApiTls stranger = ApiTls.selfIssued(directory.resolve("stranger"), List.of("127.0.0.1"));
      Files.writeString(foreign.resolve("signcerts/cert.pem"), stranger.certificateChainPem());
      Files.writeString(foreign.resolve("keystore/priv_sk"), stranger.keyPem());
      List<String> asStranger = new ArrayList<>(server);
      asStranger.addAll(List.of("--client-cert", foreign.toString()));
      assertThat(Cli.run(asStranger, "ledger", "trade").err())
          .contains("CLIENT_CERTIFICATE_REFUSED")
          .contains("not issued by the authority of a ledger");

      var certificate =
          Pem.readCertificates(Files.readString(bankA.resolve("admin/msp/signcerts/cert.pem")))
              .get(0);
      // The same certificate checked when its validity is over (a clock moved past its end) and
      // before it began: refused as expired, saying until or from when it was valid.
      for (Instant at :
          List.of(
              certificate.getNotAfter().toInstant().plusSeconds(1),
              certificate.getNotBefore().toInstant().minusSeconds(1))) {
        Refusal expired =
            catchThrowableOfType(
                Refusal.class,
                () ->
                    new CertificateLogins(manager.ledgers(), Clock.fixed(at, ZoneOffset.UTC))
                        .authenticate(certificate));
        assertThat(expired.error()).isEqualTo(ApiError.CLIENT_CERTIFICATE_EXPIRED);
      }
      assertThat(
              new CertificateLogins(manager.ledgers(), Clock.systemUTC())
                  .authenticate(certificate)
                  .isOperator())
          .isFalse();

      // Revoked by the ledger's authority, the admin certificate fails at its next request.
      manager
          .ledgers()
          .authority("trade")
          .revoke(certificate.getSerialNumber(), RevocationReason.KEY_COMPROMISE);
      Cli.Result revoked = Cli.run(asAdmin, "ledger", "trade");
      assertThat(revoked.exit()).isNotZero();
      assertThat(revoked.err()).contains("CLIENT_CERTIFICATE_REVOKED");

      // Without a certificate or token, the answer says both ways in.
      Cli.Result nobody = Cli.run(server, "ledgers");
      assertThat(nobody.err()).contains("UNAUTHENTICATED");
    }
  }
}
