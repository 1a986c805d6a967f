package io.patchwork.node.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fabric chaincode-as-a-service packages as Fabric's tools lay them out. */
public class ChaincodePackageTest {
  @TempDir Path directory;

  @Test
  void a_ccaas_package_gives_its_label_hash_and_server_address() throws Exception {
    Path file =
        CcaasPackages.ccaasPackage(
            directory,
            "assets_1.0",
            "ccaas",
            "{\"address\":\"assets.org1.example.com:9999\",\"dial_timeout\":\"10s\","
                + "\"tls_required\":false}");

    ChaincodePackage chaincode = ChaincodePackage.read(file);

    String sha256 =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    assertThat(chaincode.label()).isEqualTo("assets_1.0");
    assertThat(HexFormat.of().formatHex(chaincode.sha256().toByteArray())).isEqualTo(sha256);
    assertThat(chaincode.packageId()).isEqualTo("assets_1.0:" + sha256);
    assertThat(chaincode.host()).isEqualTo("assets.org1.example.com");
    assertThat(chaincode.port()).isEqualTo(9999);
    assertThat(chaincode.rootCertificate()).isEmpty();
  }

  @Test
  void a_package_asking_for_tls_carries_its_root_and_client_identity() throws Exception {
    Path file =
        CcaasPackages.ccaasPackage(
            directory,
            "secure",
            "ccaas",
            "{\"address\":\"127.0.0.1:9443\",\"tls_required\":true,\"client_auth_required\":true,"
                + "\"root_cert\":\"ROOT PEM\",\"client_cert\":\"CERT PEM\",\"client_key\":\"KEY"
                + " PEM\"}");

    ChaincodePackage chaincode = ChaincodePackage.read(file);

    assertThat(chaincode.rootCertificate()).contains("ROOT PEM");
    assertThat(chaincode.clientCertificate()).contains("CERT PEM");
    assertThat(chaincode.clientKey()).contains("KEY PEM");
    assertThat(chaincode.toString()).doesNotContain("KEY PEM");
  }

  @Test
  void packages_patchwork_cannot_run_are_refused_with_what_is_wrong() throws Exception {
    assertRefused(
        CcaasPackages.ccaasPackage(directory, "golang", "golang", "{\"address\":\"h:1\"}"),
        "type 'golang'; Patchwork peers run chaincode as a service only");
    assertRefused(
        CcaasPackages.ccaasPackage(directory, "empty", "ccaas", null), "holds no connection.json");
    assertRefused(
        CcaasPackages.ccaasPackage(
            directory, "noport", "ccaas", "{\"address\":\"assets.example.com\"}"),
        "is not host:port");
    assertRefused(
        CcaasPackages.ccaasPackage(
            directory, "noroot", "ccaas", "{\"address\":\"h:1\",\"tls_required\":true}"),
        "asks for TLS but gives no root_cert");
    Path text = directory.resolve("text.tar.gz");
    Files.writeString(text, "not an archive");
    assertRefused(text, "is not a gzipped tar archive");
  }

  private static void assertRefused(Path file, String message) {
    assertThatThrownBy(() -> ChaincodePackage.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
