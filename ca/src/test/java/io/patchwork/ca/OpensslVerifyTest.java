package io.patchwork.ca;

import static io.patchwork.ca.CertificateAuthorityContract.MSP;
import static io.patchwork.ca.CertificateAuthorityContract.ORG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificates and CRLs verify with {@code openssl verify -crl_check}, an implementation that
 * shares no code with Java's. Skipped, saying so, where openssl is not installed ({@code .ci/run}
 * installs it).
 */
class OpensslVerifyTest {
  @TempDir Path directory;

  @BeforeAll
  static void requireOpenssl() {
    assumeTrue(run(List.of("openssl", "version")).exitCode() == 0, "openssl is not installed");
  }

  @Test
  void a_valid_certificate_passes_and_a_revoked_one_fails_crl_checking() throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    CertificateAuthority ca = fixture.root("openssl");
    IssuedCredential valid =
        ca.issueWithNewKey(
            CertificateRequest.tls(
                "peer0",
                Role.PEER,
                ORG,
                MSP,
                List.of("peer0.bank-a.example"),
                List.of(InetAddress.getByName("127.0.0.1"))));
    IssuedCredential revoked =
        ca.issueWithNewKey(CertificateRequest.signing("mallory", Role.CLIENT, ORG, MSP));
    ca.revoke(revoked.certificate().serial(), RevocationReason.KEY_COMPROMISE);
    Path root = write("root.pem", Pem.certificate(ca.certificate()));
    Path crl = write("crl.pem", Pem.crl(ca.crl()));

    Result good =
        verify(root, crl, write("good.pem", Pem.certificate(valid.certificate().certificate())));
    Result bad =
        verify(root, crl, write("bad.pem", Pem.certificate(revoked.certificate().certificate())));

    assertThat(good.exitCode()).as(good.output()).isZero();
    assertThat(good.output()).contains("good.pem: OK");
    assertThat(bad.exitCode()).isNotZero();
    assertThat(bad.output()).contains("certificate revoked");
    Result purpose =
        run(
            List.of(
                "openssl",
                "verify",
                "-purpose",
                "sslserver",
                "-CAfile",
                root.toString(),
                directory.resolve("good.pem").toString()));
    assertThat(purpose.exitCode()).as(purpose.output()).isZero();
  }

  @Test
  void an_intermediate_chain_verifies_up_to_the_operator_root() throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    OperatorRoot operator = OperatorRoot.create("CN=Operator Root,O=Operator", true);
    CertificateAuthority ca = fixture.intermediate("openssl", operator);
    IssuedCredential alice =
        ca.issueWithNewKey(CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));

    Result result =
        run(
            List.of(
                "openssl",
                "verify",
                "-CAfile",
                write("operator.pem", Pem.certificate(operator.certificate())).toString(),
                "-untrusted",
                write("intermediate.pem", Pem.certificate(ca.certificate())).toString(),
                "-crl_check",
                "-CRLfile",
                write("crl.pem", Pem.crl(ca.crl())).toString(),
                write("alice.pem", Pem.certificate(alice.certificate().certificate())).toString()));

    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  private Result verify(Path root, Path crl, Path leaf) {
    return run(
        List.of(
            "openssl",
            "verify",
            "-crl_check",
            "-CAfile",
            root.toString(),
            "-CRLfile",
            crl.toString(),
            leaf.toString()));
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(directory.resolve(name), text, StandardCharsets.US_ASCII);
  }

  record Result(int exitCode, String output) {}

  private static Result run(List<String> command) {
    try {
      Process process =
          new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, output);
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, e.toString());
    }
  }
}
