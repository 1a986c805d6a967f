package io.patchwork.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A process killed with SIGKILL while issuing loses no acknowledged certificate. */
class CrashSafetyTest {
  private static final int ACKNOWLEDGED = 40;

  @TempDir Path directory;

  @Test
  void a_kill_during_issuance_loses_no_acknowledged_certificate_and_leaves_a_usable_store()
      throws Exception {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                IssuingProcess.class.getName(),
                directory.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    List<BigInteger> acknowledged = new ArrayList<>();
    try (BufferedReader output =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
      assertThat(output.readLine()).isEqualTo("ready");
      while (acknowledged.size() < ACKNOWLEDGED) {
        String line = output.readLine();
        assertThat(line).as("the issuing process ended early").isNotNull();
        acknowledged.add(new BigInteger(line, 16));
      }
      process.destroyForcibly();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      process.destroyForcibly();
    }

    CertificateAuthority reopened =
        new CaFixture(directory, Databases.h2(directory)).authorities().open("crash");
    List<IssuedCertificate> inventory = reopened.inventory();

    assertThat(inventory).extracting(IssuedCertificate::serial).containsAll(acknowledged);
    for (IssuedCertificate issued : inventory) {
      issued.certificate().verify(reopened.certificate().getPublicKey());
    }
    IssuedCredential after =
        reopened.issueWithNewKey(
            CertificateRequest.signing("after", Role.CLIENT, "Bank A", "BankAMSP"));
    assertThat(reopened.find(after.certificate().serial())).isPresent();
  }
}
