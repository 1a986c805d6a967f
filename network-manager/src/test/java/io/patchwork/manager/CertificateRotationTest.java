package io.patchwork.manager;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates that last 45 seconds and a ledger that runs on for longer than two of their
 * lifetimes: the manager renews every certificate it holds — each node's signing and TLS one, the
 * orderer's included, and a member's hosted admin identity — for the same keys before it expires,
 * and the nodes sign with and present the renewals without a restart, while an application submits
 * transactions with the official Fabric Gateway client the whole time and not one fails.
 */
@Tag("cluster")
class CertificateRotationTest {
  private static final Duration LIFETIME = Duration.ofSeconds(45);
  private static final Duration RUN = Duration.ofSeconds(80);

  @TempDir Path directory;

  @Test
  void every_node_certificate_is_renewed_twice_while_transactions_keep_committing()
      throws Exception {
    try (ManagerFixture manager =
        ManagerFixture.start(directory, new CertificatePolicy(LIFETIME, Duration.ofDays(30)))) {
      JsonArray parties = new JsonArray();
      for (int i = 0; i < 2; i++) {
        parties.add(
            new JsonObject().put("organization", "Bank " + i).put("mspId", "Bank" + i + "MSP"));
      }
      assertThat(
              manager
                  .post(
                      "/ledgers",
                      new JsonObject()
                          .put("name", "brief")
                          .put("template", "payments-netting")
                          .put("parties", parties)
                          .put("overrides", new JsonObject().put("topology.orderers", "1"))
                          .encode())
                  .statusCode())
          .isEqualTo(201);
      JsonObject active = manager.awaitStatus("brief", "ACTIVE", Duration.ofSeconds(60));
      Instant started = Instant.now();
      // The member keeps its admin identity here: the manager renews that one too.
      MemberKit bank1 = new MemberKit("Bank 1", "Bank1MSP");
      String invite =
          new JsonObject(
                  manager
                      .post(
                          "/ledgers/brief/invites",
                          new JsonObject().put("mspId", "Bank1MSP").encode())
                      .body())
              .getString("token");
      bank1.redeemed(
          new JsonObject(
              manager
                  .send(
                      "POST",
                      "/ledgers/brief/invites/redeem",
                      bank1.redeemRequestKeepingAdminThere(invite),
                      Optional.empty())
                  .body()));

      // The application's own identity is long-lived, so that only the nodes' certificates turn.
      CertificateAuthority authority = manager.manager().ledgers().authority("brief");
      IssuedCredential signing =
          authority.issueWithNewKey(
              CertificateRequest.signing("app", Role.CLIENT, "Bank 0", "Bank0MSP")
                  .withLifetime(Duration.ofHours(1)));
      IssuedCredential tls =
          authority.issueWithNewKey(
              CertificateRequest.tls(
                      "app",
                      Role.CLIENT,
                      "Bank 0",
                      "Bank0MSP",
                      List.of("localhost"),
                      List.of(InetAddress.getLoopbackAddress()))
                  .withLifetime(Duration.ofHours(1)));
      String peer0 = endpoint(active, "peer0");
      int colon = peer0.lastIndexOf(':');
      ChannelCredentials credentials =
          TlsChannelCredentials.newBuilder()
              .trustManager(pem(authority.trustRoot()))
              .keyManager(
                  pem(tls.certificate().certificate()),
                  new ByteArrayInputStream(
                      Pem.privateKey(tls.privateKey()).getBytes(StandardCharsets.US_ASCII)))
              .build();
      ManagedChannel channel =
          Grpc.newChannelBuilderForAddress(
                  peer0.substring(0, colon),
                  Integer.parseInt(peer0.substring(colon + 1)),
                  credentials)
              .build();
      List<String> failures = new ArrayList<>();
      int committed = 0;
      try (Gateway gateway =
          Gateway.newInstance()
              .identity(new X509Identity("Bank0MSP", signing.certificate().certificate()))
              .signer(Signers.newPrivateKeySigner(signing.privateKey()))
              .connection(channel)
              .connect()) {
        Contract obligations = gateway.getNetwork("brief").getContract("obligations");
        long until = System.nanoTime() + RUN.toNanos();
        for (int i = 0; System.nanoTime() < until; i++) {
          try {
            obligations.submitTransaction("record", "iou-" + i, "Bank0MSP", "Bank1MSP", "EUR", "1");
            committed++;
          } catch (Exception e) {
            failures.add(e.getClass().getSimpleName() + ": " + e.getMessage());
          }
          Thread.sleep(200);
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(failures).as("failed transactions").isEmpty();
      assertThat(committed).isGreaterThan(100);

      // Every node's signing and TLS certificates, and the hosted admin's, were renewed at least
      // twice, for the same keys; the ones in use now are valid.
      JsonArray inventory =
          new JsonObject(manager.get("/ledgers/brief/certificates").body())
              .getJsonArray("certificates");
      Map<String, List<JsonObject>> byIdentity = new LinkedHashMap<>();
      for (Object item : inventory) {
        JsonObject certificate = (JsonObject) item;
        if (List.of("PEER", "ORDERER", "ADMIN").contains(certificate.getString("kind"))
            && !certificate.getString("commonName").equals("app")) {
          byIdentity
              .computeIfAbsent(
                  certificate.getString("commonName") + "/" + certificate.getString("profile"),
                  key -> new ArrayList<>())
              .add(certificate);
        }
      }
      assertThat(byIdentity)
          .containsKeys(
              "orderer0/SIGNING",
              "orderer0/TLS",
              "peer0/SIGNING",
              "peer0/TLS",
              "peer1/SIGNING",
              "peer1/TLS",
              "hosted-admin/SIGNING");
      byIdentity.forEach(
          (identity, certificates) -> {
            assertThat(certificates.stream().filter(c -> c.getString("status").equals("RENEWED")))
                .as(identity + " renewed")
                .hasSizeGreaterThanOrEqualTo(2);
            JsonObject newest =
                certificates.stream()
                    .max(Comparator.comparing(c -> Instant.parse(c.getString("notAfter"))))
                    .orElseThrow();
            assertThat(newest.getString("status")).as(identity + " in use").isEqualTo("VALID");
          });
      // The original certificates expired during the run, and the nodes present renewals now.
      assertThat(Duration.between(started, Instant.now())).isGreaterThan(LIFETIME);
      JsonObject shown = new JsonObject(manager.get("/ledgers/brief").body());
      for (Object node : shown.getJsonArray("nodes")) {
        JsonObject view = (JsonObject) node;
        X509Certificate presented =
            TlsProbe.presented(
                view.getString("endpoint"),
                List.of(authority.trustRoot()),
                tls.privateKey(),
                tls.certificate().certificate());
        assertThat(presented.getNotAfter().toInstant())
            .as(view.getString("id") + " presents a certificate valid now")
            .isAfter(Instant.now());
        String serial = presented.getSerialNumber().toString(16);
        assertThat(byIdentity.get(view.getString("id") + "/TLS"))
            .as(view.getString("id"))
            .anySatisfy(c -> assertThat(c.getString("serial")).isEqualTo(serial));
      }
      // The hosted admin signs with its renewed certificate: its proposal is recorded.
      assertThat(
              manager
                  .send(
                      "POST",
                      "/ledgers/brief/proposals",
                      new JsonObject()
                          .put(
                              "action",
                              new JsonObject()
                                  .put("kind", "ADD_MEMBER")
                                  .put("organization", "Bank 2")
                                  .put("mspId", "Bank2MSP"))
                          .encode(),
                      Optional.of(bank1.apiToken()))
                  .statusCode())
          .isEqualTo(201);
      // The member's own client certificate was left to expire: too late to renew it.
      String expired =
          Pem.readCertificates(bank1.certificatePem("CLIENT", "TLS"))
              .get(0)
              .getSerialNumber()
              .toString(16);
      ManagerFixture.assertError(
          manager.send(
              "POST",
              "/ledgers/brief/certificates/" + expired + "/renewal",
              "{}",
              Optional.of(bank1.apiToken())),
          409,
          "CERTIFICATE_EXPIRED");
      bank1.close();
    }
  }

  private static String endpoint(JsonObject ledger, String nodeId) {
    return ledger.getJsonArray("nodes").stream()
        .map(JsonObject.class::cast)
        .filter(node -> node.getString("id").equals(nodeId))
        .findFirst()
        .orElseThrow()
        .getString("endpoint");
  }

  private static ByteArrayInputStream pem(X509Certificate certificate) {
    return new ByteArrayInputStream(
        Pem.certificate(certificate).getBytes(StandardCharsets.US_ASCII));
  }
}
