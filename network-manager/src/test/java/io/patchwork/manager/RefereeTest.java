package io.patchwork.manager;

import static io.patchwork.manager.ManagerFixture.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status.Code;
import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.patchwork.governance.Choice;
import io.patchwork.manager.cli.ClientCommand;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.EndorseException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Firing the referee through the manager: the members make an authority of their own ({@code
 * patchwork authority init}), vote it in, and certify the peers the manager runs for them with it
 * ({@code patchwork authority recertify}); the manager stops issuing for the ledger; once the grace
 * period is over, identities of the manager's authority are refused and the ledger runs on with the
 * members' own.
 */
@Tag("cluster")
class RefereeTest {
  private static final String PASSPHRASE = "members-only-passphrase";

  @TempDir Path directory;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = ClientCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void members_replace_the_managers_authority_and_the_ledger_runs_on_with_theirs()
      throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory.resolve("manager"))) {
      List<MemberKit> banks = ledgerOfThreeBanks(manager);
      List<Optional<String>> tokens = new ArrayList<>();
      for (MemberKit bank : banks) {
        tokens.add(Optional.of(bank.apiToken()));
      }
      String url = manager.manager().url();
      Path passphrase = directory.resolve("passphrase");
      Files.writeString(passphrase, PASSPHRASE, StandardCharsets.UTF_8);
      Path referee = directory.resolve("members-referee");
      assertError(manager.get("/ledgers/trade/recertification"), 409, "AUTHORITY_NOT_REPLACED");

      Run made =
          run(
              "authority",
              "init",
              "--dir",
              referee.toString(),
              "--ledger",
              "trade",
              "--organization",
              "Trade consortium",
              "--passphrase-file",
              passphrase.toString());
      assertThat(made.exit()).as(made.err()).isZero();
      assertThat(made.out()).contains("authority for trade made in");
      assertThat(Files.readString(referee.resolve("root.pem"))).doesNotContain(PASSPHRASE);

      long grace = 6_000;
      String oldCertificate = banks.get(0).clientSigningCertificate();
      banks
          .get(0)
          .gateway()
          .getNetwork("trade")
          .getContract("obligations")
          .submitTransaction("record", "o1", "Bank0MSP", "Bank1MSP", "EUR", "1");
      GovernanceProposal replace =
          GovernanceProposal.newBuilder()
              .setLedgerId("trade")
              .setConfigSequence(
                  new JsonObject(manager.get("/ledgers/trade").body()).getLong("configSequence"))
              .setProposerMspId("Bank1MSP")
              .setCreatedAtMillis(Instant.now().toEpochMilli())
              .setReplaceAuthority(
                  GovernanceProposal.ReplaceAuthority.newBuilder()
                      .setAuthorityCertificate(
                          ByteString.copyFrom(Files.readAllBytes(referee.resolve("root.pem"))))
                      .setGracePeriodMillis(grace)
                      .setCrl(
                          ByteString.copyFrom(
                              Pem.readCrl(Files.readString(referee.resolve("crl.pem")))
                                  .getEncoded())))
              .build();
      HttpResponse<String> proposed =
          manager.send(
              "POST", "/ledgers/trade/proposals", banks.get(1).propose(replace), tokens.get(1));
      assertThat(proposed.statusCode()).as(proposed.body()).isEqualTo(201);
      String path = "/ledgers/trade/proposals/" + new JsonObject(proposed.body()).getString("id");
      for (int i = 1; i <= 2; i++) {
        JsonObject shown = new JsonObject(manager.get(path).body());
        HttpResponse<String> voted =
            manager.send(
                "POST", path + "/ballots", banks.get(i).vote(shown, Choice.YES), tokens.get(i));
        assertThat(voted.statusCode()).as(voted.body()).isEqualTo(200);
      }
      Instant decided = Instant.now();
      assertThat(new JsonObject(manager.get(path).body()).getString("status")).isEqualTo("CLOSED");

      // The manager no longer certifies anyone for this ledger.
      assertError(
          manager.post(
              "/ledgers/trade/invites", new JsonObject().put("mspId", "Bank2MSP").encode()),
          409,
          "AUTHORITY_REPLACED");

      // Three hosted peers wait for a signing and a TLS certificate each.
      JsonArray requests =
          new JsonObject(manager.get("/ledgers/trade/recertification").body())
              .getJsonArray("requests");
      assertThat(requests).hasSize(6);
      try (EmbeddedDatabase database = EmbeddedDatabase.open(referee.resolve("authority"))) {
        CertificateAuthority members = open(database, referee, "trade");
        assertRefusals(manager, requests, members, referee, directory.resolve("strangers"));

        Run recertified = recertify(manager, referee, passphrase);
        assertThat(recertified.exit()).as(recertified.err()).isZero();
        assertThat(recertified.out().lines()).hasSize(3);
        assertThat(Duration.between(decided, Instant.now()).toMillis())
            .as("recertified within the grace period")
            .isLessThan(grace);
        assertThat(
                new JsonObject(manager.get("/ledgers/trade/recertification").body())
                    .getJsonArray("requests"))
            .isEmpty();
        for (MemberKit bank : banks) {
          bank.reenrol(members);
        }
      }

      Contract newIdentity = banks.get(0).gateway().getNetwork("trade").getContract("obligations");
      // The old signing identity, over a connection that trusts the recertified peers: still
      // accepted within the grace period.
      Contract oldIdentity =
          banks
              .get(0)
              .gatewaySigningAs(oldCertificate)
              .getNetwork("trade")
              .getContract("obligations");
      oldIdentity.evaluateTransaction("list");
      newIdentity.submitTransaction("record", "o2", "Bank0MSP", "Bank1MSP", "EUR", "2");
      while (Instant.now().isBefore(decided.plusMillis(grace + 1_000))) {
        Thread.sleep(200);
      }
      // After the grace period: the manager's certificates are refused, the members' work.
      assertThatThrownBy(
              () ->
                  oldIdentity.submitTransaction("record", "o3", "Bank0MSP", "Bank1MSP", "EUR", "4"))
          .isInstanceOfSatisfying(
              EndorseException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED));
      newIdentity.submitTransaction("record", "o4", "Bank0MSP", "Bank1MSP", "EUR", "8");
      String recorded = new String(newIdentity.evaluateTransaction("list"), StandardCharsets.UTF_8);
      assertThat(recorded).contains("\"o1\"", "\"o2\"", "\"o4\"").doesNotContain("\"o3\"");

      // The members' authority enrols a new admin for Bank 0 from the shell, and it proposes.
      Path admin = directory.resolve("bank0-admin-2");
      Run enrolled =
          run(
              "authority",
              "enrol",
              "--dir",
              referee.toString(),
              "--passphrase-file",
              passphrase.toString(),
              "--ledger",
              "trade",
              "--organization",
              "Bank 0",
              "--msp-id",
              "Bank0MSP",
              "--role",
              "admin",
              "--out",
              admin.toString());
      assertThat(enrolled.exit()).as(enrolled.err()).isZero();
      assertThat(admin.resolve("msp/keystore/priv_sk")).exists();
      Path token = Files.writeString(directory.resolve("bank0-token"), banks.get(0).apiToken());
      Run proposedByNewAdmin =
          run(
              "propose",
              "trade",
              "--add-member",
              "Bank 5:Bank5MSP",
              "--admin-msp",
              admin.resolve("msp").toString(),
              "--url",
              url,
              "--token-file",
              token.toString());
      assertThat(proposedByNewAdmin.exit()).as(proposedByNewAdmin.err()).isZero();
      assertThat(proposedByNewAdmin.out()).contains("recorded: IN_PROGRESS");

      // Banks 1 and 2 vote Bank 5 in; the manager hosts a peer for it though it no longer
      // certifies: it makes the keys, the members' authority answers their requests, the peer
      // starts from a snapshot and catches up.
      String addition =
          new JsonObject(manager.get("/ledgers/trade/proposals").body())
              .getJsonArray("proposals").stream()
                  .map(JsonObject.class::cast)
                  .filter(p -> p.getJsonObject("action").getString("kind").equals("ADD_MEMBER"))
                  .findFirst()
                  .orElseThrow()
                  .getString("id");
      String additionPath = "/ledgers/trade/proposals/" + addition;
      for (int i = 1; i <= 2; i++) {
        HttpResponse<String> voted =
            manager.send(
                "POST",
                additionPath + "/ballots",
                banks.get(i).vote(new JsonObject(manager.get(additionPath).body()), Choice.YES),
                tokens.get(i));
        assertThat(voted.statusCode()).as(voted.body()).isEqualTo(200);
      }
      assertError(
          manager.post("/ledgers/trade/peers", new JsonObject().put("mspId", "Bank9MSP").encode()),
          400,
          "NOT_A_MEMBER");
      HttpResponse<String> asked =
          manager.post("/ledgers/trade/peers", new JsonObject().put("mspId", "Bank5MSP").encode());
      assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
      JsonObject awaiting = new JsonObject(asked.body());
      assertThat(awaiting.getString("status")).isEqualTo("AWAITING_CERTIFICATES");
      assertThat(awaiting.getJsonArray("requests")).hasSize(2);
      // Asked again, the same peer waits: the same requests (CSRs signed anew by the same keys).
      HttpResponse<String> again =
          manager.post("/ledgers/trade/peers", new JsonObject().put("mspId", "Bank5MSP").encode());
      assertThat(again.statusCode()).isEqualTo(202);
      assertThat(withoutSignatures(new JsonObject(again.body()).getJsonArray("requests")))
          .isEqualTo(withoutSignatures(awaiting.getJsonArray("requests")));
      JsonArray pendingRequests =
          new JsonObject(manager.get("/ledgers/trade/recertification").body())
              .getJsonArray("requests");
      assertThat(pendingRequests.stream().map(r -> ((JsonObject) r).getString("mspId")))
          .containsExactly("Bank5MSP", "Bank5MSP");
      Run hosted = recertify(manager, referee, passphrase);
      assertThat(hosted.exit()).as(hosted.err()).isZero();
      assertThat(hosted.out()).contains(awaiting.getString("node")).contains("Bank5MSP");
      JsonObject withBank5 = new JsonObject(manager.get("/ledgers/trade").body());
      JsonObject bank5Peer =
          withBank5.getJsonArray("nodes").stream()
              .map(JsonObject.class::cast)
              .filter(node -> "Bank5MSP".equals(node.getString("mspId")))
              .findFirst()
              .orElseThrow();
      assertThat(bank5Peer.getString("id")).isEqualTo(awaiting.getString("node"));
      long height = manager.manager().ledgers().running("trade").orElseThrow().height();
      long caughtUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (nodeHeight(manager, bank5Peer.getString("id")) < height) {
        assertThat(System.nanoTime()).as("Bank 5's peer catches up").isLessThan(caughtUp);
        Thread.sleep(200);
      }
      assertThat(
              manager
                  .manager()
                  .ledgers()
                  .running("trade")
                  .orElseThrow()
                  .signingCertificate(bank5Peer.getString("id"))
                  .getIssuerX500Principal())
          .isEqualTo(
              Pem.readCertificates(Files.readString(referee.resolve("root.pem")))
                  .get(0)
                  .getSubjectX500Principal());
      assertError(
          manager.post("/ledgers/trade/peers", new JsonObject().put("mspId", "Bank5MSP").encode()),
          409,
          "PEER_EXISTS");
      assertThat(
              new JsonObject(manager.get("/ledgers/trade/recertification").body())
                  .getJsonArray("requests"))
          .isEmpty();
      Run client =
          run(
              "authority",
              "enrol",
              "--dir",
              referee.toString(),
              "--passphrase-file",
              passphrase.toString(),
              "--ledger",
              "trade",
              "--organization",
              "Bank 0",
              "--msp-id",
              "Bank0MSP",
              "--out",
              directory.resolve("bank0-client-2").toString());
      assertThat(client.exit()).as(client.err()).isZero();
      assertThat(directory.resolve("bank0-client-2/tls/key.pem")).exists();
      for (MemberKit bank : banks) {
        bank.close();
      }
    }
  }

  /** {@code patchwork authority recertify trade} with the members' authority, as the operator. */
  private static Run recertify(ManagerFixture manager, Path referee, Path passphrase) {
    return run(
        "authority",
        "recertify",
        "trade",
        "--dir",
        referee.toString(),
        "--passphrase-file",
        passphrase.toString(),
        "--url",
        manager.manager().url(),
        "--token-file",
        manager.manager().operatorTokenFile().toString());
  }

  /** Certificate requests without their CSRs (ECDSA signs each anew). */
  private static List<JsonObject> withoutSignatures(JsonArray requests) {
    return requests.stream().map(r -> ((JsonObject) r).copy()).peek(r -> r.remove("csr")).toList();
  }

  private static long nodeHeight(ManagerFixture manager, String nodeId) throws Exception {
    return new JsonObject(manager.get("/ledgers/trade").body())
        .getJsonArray("nodes").stream()
            .map(JsonObject.class::cast)
            .filter(node -> node.getString("id").equals(nodeId))
            .findFirst()
            .map(node -> node.getLong("height", 0L))
            .orElse(0L);
  }

  /** Certificates that do not answer the requests are refused, and no peer changes. */
  private static void assertRefusals(
      ManagerFixture manager,
      JsonArray requests,
      CertificateAuthority members,
      Path referee,
      Path strangers)
      throws Exception {
    JsonObject signing = requests.getJsonObject(0);
    JsonObject tls = requests.getJsonObject(1);
    assertThat(signing.getString("profile")).isEqualTo("SIGNING");
    assertThat(tls.getString("profile")).isEqualTo("TLS");
    CertificateRequest signingRequest =
        CertificateRequest.signing(
            signing.getString("node"),
            Role.PEER,
            signing.getString("organization"),
            signing.getString("mspId"));
    CertificateRequest tlsRequest =
        CertificateRequest.tls(
            tls.getString("node"),
            Role.PEER,
            tls.getString("organization"),
            tls.getString("mspId"),
            List.of("localhost"),
            List.of(InetAddress.getLoopbackAddress()));
    String signed = issue(members, signing, signingRequest);

    assertError(install(manager, "not a certificate"), 400, "MALFORMED_CERTIFICATE");
    assertError(
        install(manager, Collections.nCopies(201, signed).toArray(String[]::new)),
        400,
        "TOO_MANY_CERTIFICATES");
    assertError(manager.post("/ledgers/trade/recertification", "{}"), 400, "MALFORMED_REQUEST");
    assertError(install(manager, signed), 400, "INCOMPLETE_PEER");
    assertError(
        install(
            manager,
            Pem.certificate(members.issueWithNewKey(signingRequest).certificate().certificate())),
        400,
        "UNKNOWN_KEY");
    // Right key, right authority, another organisation named in it.
    assertError(
        install(manager, misnamed(referee, members, signing), issue(members, tls, tlsRequest)),
        400,
        "WRONG_SUBJECT");
    // Right key, wrong kind: a TLS certificate for the signing key.
    assertError(install(manager, issue(members, signing, tlsRequest)), 400, "WRONG_PROFILE");
    // Right key, another authority.
    try (EmbeddedDatabase foreign = EmbeddedDatabase.open(strangers.resolve("authority"))) {
      CertificateAuthority stranger =
          CertificateAuthorities.builder()
              .dataSource(foreign.dataSource())
              .keyDirectory(strangers.resolve("keys"))
              .passphrase(Passphrase.of(PASSPHRASE.toCharArray()))
              .build()
              .createRoot(AuthoritySpec.of("trade", "Strangers"));
      assertError(
          install(
              manager, issue(stranger, signing, signingRequest), issue(members, tls, tlsRequest)),
          400,
          "UNTRUSTED_CERTIFICATE");
    }
    assertThat(
            new JsonObject(manager.get("/ledgers/trade/recertification").body())
                .getJsonArray("requests"))
        .hasSize(6);
  }

  private static String issue(
      CertificateAuthority authority, JsonObject request, CertificateRequest asked)
      throws Exception {
    return Pem.certificate(
        authority.issue(Pem.readCertificateRequest(request.getString("csr")), asked).certificate());
  }

  /**
   * A certificate signed with the members' authority's own key (read from its key store) for the
   * requested key, naming another MSP id — what the authority's checks would never issue.
   */
  private static String misnamed(Path referee, CertificateAuthority members, JsonObject request)
      throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(referee.resolve("keys/trade.p12"))) {
      store.load(in, PASSPHRASE.toCharArray());
    }
    PrivateKey key = null;
    for (String alias : Collections.list(store.aliases())) {
      if (store.getKey(alias, PASSPHRASE.toCharArray()) instanceof PrivateKey found) {
        key = found;
      }
    }
    var csr =
        new org.bouncycastle.pkcs.PKCS10CertificationRequest(
            Pem.readCertificateRequest(request.getString("csr")));
    Instant now = Instant.now();
    var subject =
        new org.bouncycastle.asn1.x500.X500NameBuilder(
                org.bouncycastle.asn1.x500.style.BCStyle.INSTANCE)
            .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, request.getString("node"))
            .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.OU, "peer")
            .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.O, "Strangers")
            .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.ORGANIZATION_IDENTIFIER, "StrangerMSP")
            .build();
    var holder =
        new org.bouncycastle.cert.X509v3CertificateBuilder(
                org.bouncycastle.asn1.x500.X500Name.getInstance(
                    members.trustRoot().getSubjectX500Principal().getEncoded()),
                java.math.BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(3600)),
                subject,
                csr.getSubjectPublicKeyInfo())
            .build(
                new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                    .build(key));
    return Pem.certificate(
        new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(holder));
  }

  private static HttpResponse<String> install(ManagerFixture manager, String... pems)
      throws Exception {
    return manager.post(
        "/ledgers/trade/recertification",
        new JsonObject().put("certificates", new JsonArray(List.of(pems))).encode());
  }

  private static CertificateAuthority open(EmbeddedDatabase database, Path referee, String ledger)
      throws Exception {
    return CertificateAuthorities.builder()
        .dataSource(database.dataSource())
        .keyDirectory(referee.resolve("keys"))
        .passphrase(Passphrase.of(PASSPHRASE.toCharArray()))
        .build()
        .open(ledger);
  }

  /** A payments-netting ledger of three banks (one orderer), each joined with its own keys. */
  static List<MemberKit> ledgerOfThreeBanks(ManagerFixture manager) throws Exception {
    JsonArray parties = new JsonArray();
    for (int i = 0; i < 3; i++) {
      parties.add(
          new JsonObject().put("organization", "Bank " + i).put("mspId", "Bank" + i + "MSP"));
    }
    HttpResponse<String> created =
        manager.post(
            "/ledgers",
            new JsonObject()
                .put("name", "trade")
                .put("template", "payments-netting")
                .put("parties", parties)
                .put("overrides", new JsonObject().put("topology.orderers", "1"))
                .encode());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    manager.awaitStatus("trade", "ACTIVE", Duration.ofSeconds(60));
    List<MemberKit> banks = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      MemberKit bank = new MemberKit("Bank " + i, "Bank" + i + "MSP");
      HttpResponse<String> invited =
          manager.post(
              "/ledgers/trade/invites", new JsonObject().put("mspId", "Bank" + i + "MSP").encode());
      HttpResponse<String> redeemed =
          manager.send(
              "POST",
              "/ledgers/trade/invites/redeem",
              bank.redeemRequest(new JsonObject(invited.body()).getString("token")),
              Optional.empty());
      assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
      bank.redeemed(new JsonObject(redeemed.body()));
      banks.add(bank);
    }
    return banks;
  }
}
