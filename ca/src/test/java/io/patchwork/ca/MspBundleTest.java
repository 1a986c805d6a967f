package io.patchwork.ca;

import static io.patchwork.ca.CertificateAuthorityContract.MSP;
import static io.patchwork.ca.CertificateAuthorityContract.ORG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.util.List;
import java.util.stream.Stream;
import org.hyperledger.fabric.client.identity.Identities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member's identity exported as a Fabric MSP folder. */
class MspBundleTest {
  @TempDir Path directory;

  @Test
  void a_generated_credential_becomes_a_complete_msp_folder_with_node_ous() throws Exception {
    CertificateAuthority ca = new CaFixture(directory, Databases.h2(directory)).root("msp");
    IssuedCredential admin =
        ca.issueWithNewKey(CertificateRequest.signing("admin", Role.ADMIN, ORG, MSP));

    Path msp = MspBundle.of(ca, admin).writeTo(directory.resolve("out/msp"));

    assertThat(relativeFiles(msp))
        .containsExactlyInAnyOrder(
            "cacerts/ca.pem",
            "tlscacerts/tlsca.pem",
            "signcerts/cert.pem",
            "keystore/priv_sk",
            "crls/crl.pem",
            "config.yaml");
    assertThat(Pem.readCertificates(Files.readString(msp.resolve("cacerts/ca.pem"))))
        .containsExactly(ca.certificate());
    assertThat(Identities.readX509Certificate(Files.readString(msp.resolve("signcerts/cert.pem"))))
        .isEqualTo(admin.certificate().certificate());
    PrivateKey key = Identities.readPrivateKey(Files.readString(msp.resolve("keystore/priv_sk")));
    assertThat(key.getEncoded()).isEqualTo(admin.privateKey().getEncoded());
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(msp.resolve("keystore/priv_sk"))))
        .isEqualTo("rw-------");
    assertThat(Pem.readCrl(Files.readString(msp.resolve("crls/crl.pem")))).isEqualTo(ca.crl());
    assertThat(Files.readString(msp.resolve("config.yaml")))
        .contains("NodeOUs:\n  Enable: true\n")
        .contains(
            "  AdminOUIdentifier:\n"
                + "    Certificate: cacerts/ca.pem\n"
                + "    OrganizationalUnitIdentifier: admin\n")
        .contains("OrganizationalUnitIdentifier: client")
        .contains("OrganizationalUnitIdentifier: peer")
        .contains("OrganizationalUnitIdentifier: orderer");
  }

  @Test
  void a_member_held_key_is_not_in_the_folder_and_an_intermediate_gets_its_own_place()
      throws Exception {
    OperatorRoot operator = OperatorRoot.create("CN=Operator Root", true);
    CertificateAuthority ca =
        new CaFixture(directory, Databases.h2(directory)).intermediate("msp", operator);
    IssuedCertificate issued =
        ca.issue(
            Csrs.der("CN=alice", Csrs.p256()),
            CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));

    Path msp = MspBundle.of(ca, issued).writeTo(directory.resolve("msp"));

    assertThat(relativeFiles(msp))
        .contains("intermediatecerts/ca.pem", "tlsintermediatecerts/tlsca.pem")
        .doesNotContain("keystore/priv_sk");
    assertThat(Pem.readCertificates(Files.readString(msp.resolve("cacerts/ca.pem"))))
        .containsExactly(operator.certificate());
    assertThat(Files.readString(msp.resolve("config.yaml")))
        .contains("Certificate: intermediatecerts/ca.pem")
        .doesNotContain("Certificate: cacerts/ca.pem");
  }

  @Test
  void an_existing_folder_is_never_overwritten() throws Exception {
    CertificateAuthority ca = new CaFixture(directory, Databases.h2(directory)).root("msp");
    IssuedCredential admin =
        ca.issueWithNewKey(CertificateRequest.signing("admin", Role.ADMIN, ORG, MSP));
    Path target = Files.createDirectories(directory.resolve("msp"));
    Files.writeString(target.resolve("keep.txt"), "mine");

    assertThatThrownBy(() -> MspBundle.of(ca, admin).writeTo(target))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(relativeFiles(target)).containsExactly("keep.txt");
    try (Stream<Path> siblings = Files.list(directory)) {
      assertThat(siblings.map(p -> p.getFileName().toString()))
          .noneMatch(name -> name.startsWith(".msp"));
    }
    assertThat(MspBundle.of(ca, admin).toString()).contains("privateKey=redacted");
  }

  private static List<String> relativeFiles(Path root) throws Exception {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .map(file -> root.relativize(file).toString())
          .toList();
    }
  }
}
