package io.patchwork.manager;

import static io.patchwork.manager.ManagerFixture.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.patchwork.ca.Pem;
import io.patchwork.governance.Choice;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.node.api.MemberMessages;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the docs promise of governance through the manager: a ledger decides by its template's
 * voting rule; ACTIVE means it can order; removing a member revokes its certificates on every node
 * and retires its hosted peers; contracts are upgraded only in the template's window; a successor
 * that could not carry a former member's position is refused up front; a request that waits for its
 * block does not hold up others.
 */
@Tag("cluster")
class GovernanceRulesApiTest {
  @TempDir Path directory;

  @Test
  void a_ledger_decides_by_its_templates_quorum_and_is_active_once_it_has_a_leader()
      throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory)) {
      create(manager, "records", "healthcare-records", 3, new JsonObject());
      JsonObject active = manager.awaitStatus("records", "ACTIVE", Duration.ofSeconds(120));
      // ACTIVE means the ledger can commit: its Raft group has a leader that can order.
      assertThat(active.getJsonArray("nodes").stream().map(JsonObject.class::cast))
          .as(active.encode())
          .anyMatch(node -> node.getString("kind").equals("orderer") && node.getBoolean("leader"));
      // Two thirds and a 75 % quorum, open seven days: the template's rule, not the default.
      JsonObject voting = active.getJsonObject("voting");
      assertThat(voting.getInteger("thresholdPercent")).isEqualTo(66);
      assertThat(voting.getString("comparator")).isEqualTo("GREATER_THAN");
      assertThat(voting.getInteger("quorumPercent")).isEqualTo(75);
      assertThat(voting.getString("duration")).isEqualTo("PT168H");
      JsonObject lifecycle = active.getJsonObject("lifecycle");
      assertThat(lifecycle.getBoolean("pastLifespan")).isFalse();
      assertThat(lifecycle.getString("upgradesUntil")).isNotBlank();
      // Past its two-year lifespan the ledger runs on and its members are asked to close it:
      // once, then again a day later.
      Instant ends = Instant.parse(lifecycle.getString("lifespanEndsAt"));
      assertThat(Duration.between(Instant.now(), ends)).isGreaterThan(Duration.ofDays(729));
      LedgerService service = manager.manager().ledgers();
      assertThat(service.remindPastLifespan(ends.minusSeconds(1))).isEmpty();
      assertThat(service.remindPastLifespan(ends.plusSeconds(1))).containsExactly("records");
      assertThat(service.remindPastLifespan(ends.plusSeconds(60))).isEmpty();
      assertThat(service.remindPastLifespan(ends.plus(Duration.ofDays(1)).plusSeconds(2)))
          .containsExactly("records");
      assertThat(manager.get("/metrics").body())
          .contains("patchwork_ledger_lifespan_remaining_seconds{ledger=\"records\"}");

      List<Optional<String>> tokens = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        tokens.add(Optional.of(joinKeepingAdminThere(manager, "records", i).apiToken()));
      }
      String path =
          proposeHosted(
              manager,
              "records",
              new JsonObject()
                  .put("kind", "ADD_MEMBER")
                  .put("organization", "Clinic 3")
                  .put("mspId", "Clinic3MSP"),
              tokens.get(0));
      // 2 of 3 is more than 66 %, but 2 voters are not 75 % of 3: still open.
      assertThat(voteHosted(manager, path, tokens.get(0)).getString("status"))
          .isEqualTo("IN_PROGRESS");
      assertThat(voteHosted(manager, path, tokens.get(1)).getString("status"))
          .isEqualTo("IN_PROGRESS");
      assertThat(voteHosted(manager, path, tokens.get(2)).getString("status")).isEqualTo("CLOSED");
      JsonObject shown = new JsonObject(manager.get("/ledgers/records").body());
      assertThat(mspIds(shown.getJsonArray("members")))
          .containsExactly("Bank0MSP", "Bank1MSP", "Bank2MSP", "Clinic3MSP");
      assertThat(shown.getJsonArray("parties")).hasSize(3);
      assertThat(shown.getJsonObject("commitStatus").getString("scope")).isEqualTo("ALL_MEMBERS");
      assertThat(shown.getJsonObject("commitStatus").getString("timeout")).isEqualTo("PT5S");

      // An invite of a founding party is the operator's to cancel; one for the organisation the
      // members voted in, a member's too. A cancelled invite's token no longer works.
      JsonObject founding = invited(manager, "records", "Bank2MSP");
      assertError(
          manager.send(
              "DELETE",
              "/ledgers/records/invites/" + founding.getString("id"),
              null,
              tokens.get(0)),
          403,
          "FORBIDDEN");
      HttpResponse<String> cancelled =
          manager.send(
              "DELETE",
              "/ledgers/records/invites/" + founding.getString("id"),
              null,
              Optional.of(manager.operatorToken()));
      assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
      assertThat(new JsonObject(cancelled.body()).getString("status")).isEqualTo("CANCELLED");
      JsonObject invite = invited(manager, "records", "Clinic3MSP");
      HttpResponse<String> byMember =
          manager.send(
              "DELETE", "/ledgers/records/invites/" + invite.getString("id"), null, tokens.get(0));
      assertThat(byMember.statusCode()).as(byMember.body()).isEqualTo(200);
      assertThat(manager.get("/ledgers/records/invites").body()).contains("CANCELLED");
      assertError(
          manager.send(
              "DELETE",
              "/ledgers/records/invites/" + invite.getString("id"),
              null,
              Optional.of(manager.operatorToken())),
          410,
          "INVITE_CANCELLED");
      MemberKit clinic = new MemberKit("Clinic 3", "Clinic3MSP");
      assertError(
          manager.send(
              "POST",
              "/ledgers/records/invites/redeem",
              clinic.redeemRequest(invite.getString("token")),
              Optional.empty()),
          410,
          "INVITE_CANCELLED");

      // A policy change that names no comparator or duration the ledger knows is refused up
      // front, and nothing is recorded.
      int recorded =
          new JsonObject(manager.get("/ledgers/records/proposals").body())
              .getJsonArray("proposals")
              .size();
      for (JsonObject unknown :
          List.of(
              new JsonObject().put("thresholdPercent", 50).put("comparator", "AT_LEAST"),
              new JsonObject().put("thresholdPercent", 50).put("comparator", "UNRECOGNIZED"),
              new JsonObject().put("thresholdPercent", 50).put("duration", "soon"))) {
        HttpResponse<String> refused =
            manager.send(
                "POST",
                "/ledgers/records/proposals",
                new JsonObject()
                    .put(
                        "action",
                        new JsonObject().put("kind", "CHANGE_POLICY").put("voting", unknown))
                    .encode(),
                tokens.get(1));
        assertError(refused, 400, "MALFORMED_REQUEST");
        assertThat(refused.body()).contains("action.voting.");
      }
      assertError(
          manager.send(
              "POST",
              "/ledgers/records/proposals",
              new JsonObject()
                  .put(
                      "action",
                      new JsonObject()
                          .put("kind", "CHANGE_POLICY")
                          .put("commitStatus", new JsonObject().put("scope", "EVERYONE")))
                  .encode(),
              tokens.get(1)),
          400,
          "MALFORMED_REQUEST");
      assertThat(
              new JsonObject(manager.get("/ledgers/records/proposals").body())
                  .getJsonArray("proposals"))
          .hasSize(recorded);

      // The members relax the rule by the rule in force (three of the four now, for the
      // quorum): a simple majority, no quorum, open an hour — version 2 of the policy.
      String change =
          proposeHosted(
              manager,
              "records",
              new JsonObject()
                  .put("kind", "CHANGE_POLICY")
                  .put(
                      "voting",
                      new JsonObject()
                          .put("thresholdPercent", 50)
                          .put("quorumPercent", 0)
                          .put("duration", "PT1H"))
                  .put(
                      "commitStatus",
                      new JsonObject().put("scope", "GATEWAY_PEER").put("timeout", "PT2S")),
              tokens.get(1));
      for (Optional<String> token : tokens) {
        voteHosted(manager, change, token);
      }
      JsonObject relaxed =
          new JsonObject(manager.get("/ledgers/records").body()).getJsonObject("voting");
      assertThat(relaxed.getInteger("thresholdPercent")).isEqualTo(50);
      assertThat(relaxed.getInteger("quorumPercent")).isZero();
      assertThat(relaxed.getString("duration")).isEqualTo("PT1H");
      assertThat(relaxed.getLong("version")).isEqualTo(2);
      // The template's commit status policy (every member's peer) gave way to Fabric's meaning.
      assertThat(
              new JsonObject(manager.get("/ledgers/records").body())
                  .getJsonObject("commitStatus")
                  .getString("scope"))
          .isEqualTo("GATEWAY_PEER");
    }
  }

  @Test
  void a_removed_member_is_refused_by_every_node_and_its_position_is_not_carried_over()
      throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory)) {
      create(
          manager,
          "club",
          "payments-netting",
          3,
          new JsonObject().put("topology.orderers", "1").put("upgradeWindow", "PT0S"));
      JsonObject active = manager.awaitStatus("club", "ACTIVE", Duration.ofSeconds(60));
      MemberKit bank0 = joinKeepingAdminHome(manager, "club");
      MemberKit bank1 = joinKeepingAdminThere(manager, "club", 1);
      MemberKit bank2 = joinKeepingAdminThere(manager, "club", 2);
      Optional<String> token0 = Optional.of(bank0.apiToken());
      Optional<String> token1 = Optional.of(bank1.apiToken());
      try {
        // The upgrade window was overridden to nothing: no contract may be upgraded.
        GovernanceProposal upgrade =
            proposal(active, "Bank0MSP")
                .setUpgradeContract(
                    GovernanceProposal.UpgradeContract.newBuilder()
                        .setContract("obligations")
                        .setVersion("2")
                        .setCodeHash(ByteString.copyFrom(new byte[32])))
                .build();
        assertError(
            manager.send("POST", "/ledgers/club/proposals", bank0.propose(upgrade), token0),
            422,
            "UPGRADE_WINDOW_CLOSED");
        assertError(
            manager.send(
                "POST",
                "/ledgers/club/proposals",
                new JsonObject()
                    .put(
                        "action",
                        new JsonObject()
                            .put("kind", "UPGRADE_CONTRACT")
                            .put("contract", "obligations")
                            .put("version", "2")
                            .put("codeHash", "00".repeat(32)))
                    .encode(),
                token1),
            422,
            "UPGRADE_WINDOW_CLOSED");

        // Bank 0 owes Bank 2 100: Bank 2 holds a position at the close.
        bank0
            .gateway()
            .getNetwork("club")
            .getContract("obligations")
            .submitTransaction("record", "o1", "Bank0MSP", "Bank2MSP", "EUR", "100");
        bank2
            .gateway()
            .getNetwork("club")
            .getContract("obligations")
            .submitTransaction("accept", "o1");
        String bank2Peer =
            active.getJsonArray("nodes").stream()
                .map(JsonObject.class::cast)
                .filter(node -> "Bank2MSP".equals(node.getString("mspId")))
                .findFirst()
                .orElseThrow()
                .getString("id");
        bank2.tlsHandshake(endpointOf(active, bank2Peer));

        // A removal signed on the member's side must carry the authority's CRL.
        GovernanceProposal bare =
            proposal(active, "Bank0MSP")
                .setRemoveMember(GovernanceProposal.RemoveMember.newBuilder().setMspId("Bank2MSP"))
                .build();
        assertError(
            manager.send("POST", "/ledgers/club/proposals", bank0.propose(bare), token0),
            422,
            "REMOVAL_NEEDS_CRL");
        assertError(
            manager.send(
                "GET",
                "/ledgers/club/members/NopeMSP/removal-crl",
                null,
                Optional.of(bank0.apiToken())),
            400,
            "NOT_A_MEMBER");

        String path =
            proposeHosted(
                manager,
                "club",
                new JsonObject().put("kind", "REMOVE_MEMBER").put("mspId", "Bank2MSP"),
                token1);
        voteHosted(manager, path, token1);
        HttpResponse<String> decided =
            manager.send(
                "POST",
                path + "/ballots",
                bank0.vote(new JsonObject(manager.get(path).body()), Choice.YES),
                token0);
        assertThat(decided.statusCode()).as(decided.body()).isEqualTo(200);
        assertThat(new JsonObject(decided.body()).getString("status")).isEqualTo("CLOSED");

        // The view shows the members and nodes now; the parties stay what the ledger began with.
        JsonObject shown = new JsonObject(manager.get("/ledgers/club").body());
        assertThat(mspIds(shown.getJsonArray("members"))).containsExactly("Bank0MSP", "Bank1MSP");
        assertThat(shown.getJsonArray("parties")).hasSize(3);
        assertThat(shown.getJsonArray("nodes").stream().map(JsonObject.class::cast))
            .noneMatch(node -> "Bank2MSP".equals(node.getString("mspId")));
        Path ledgerFiles = directory.resolve("ledgers").resolve("club");
        assertThat(ledgerFiles.resolve("credentials").resolve(bank2Peer)).doesNotExist();
        assertThat(ledgerFiles.resolve("nodes").resolve(bank2Peer)).doesNotExist();

        // Every node refuses the removed member's TLS certificate at the handshake; a member's
        // still passes.
        for (Object node : shown.getJsonArray("nodes")) {
          String endpoint = ((JsonObject) node).getString("endpoint");
          assertThatThrownBy(() -> bank2.tlsHandshake(endpoint))
              .as(endpoint)
              .isInstanceOf(SSLException.class);
          bank0.tlsHandshake(endpoint);
        }
        // The inventory shows the removed member's certificates revoked; a member sees its own.
        JsonArray inventory =
            new JsonObject(manager.get("/ledgers/club/certificates").body())
                .getJsonArray("certificates");
        assertThat(inventory.getJsonObject(0).getString("kind")).isEqualTo("ROOT");
        List<JsonObject> ofBank2 =
            inventory.stream()
                .map(JsonObject.class::cast)
                .filter(c -> "Bank2MSP".equals(c.getString("mspId")))
                .toList();
        assertThat(ofBank2).isNotEmpty();
        assertThat(ofBank2)
            .allSatisfy(
                c -> {
                  assertThat(c.getString("status")).isEqualTo("REVOKED");
                  assertThat(c.getString("revocationReason")).isEqualTo("CESSATION_OF_OPERATION");
                });
        assertThat(inventory.stream().map(JsonObject.class::cast))
            .anyMatch(
                c ->
                    c.getString("kind").equals("ORDERER") && c.getString("status").equals("VALID"));
        JsonArray own =
            new JsonObject(manager.send("GET", "/ledgers/club/certificates", null, token0).body())
                .getJsonArray("certificates");
        assertThat(own.stream().map(JsonObject.class::cast))
            .allMatch(
                c -> c.getString("kind").equals("ROOT") || c.getString("mspId").equals("Bank0MSP"));
        // Each certificate in use has an expiry gauge (read again every 10 s); revoked ones have
        // none.
        long gauged = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String metrics = manager.get("/metrics").body();
        while (!metrics.contains("msp=\"Bank0MSP\"") || metrics.contains("msp=\"Bank2MSP\"")) {
          assertThat(System.nanoTime()).as("the expiry gauge: " + metrics).isLessThan(gauged);
          Thread.sleep(500);
          metrics = manager.get("/metrics").body();
        }
        assertThat(metrics).contains("patchwork_certificate_expiry_seconds{ledger=\"club\"");

        // The CRL the API serves revokes it too, as openssl sees it.
        Path crl = directory.resolve("club.crl.pem");
        HttpResponse<String> served = manager.get("/ledgers/club/crl");
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        Files.writeString(crl, served.body());
        Path root = rootFile(bank0, "club");
        assertThat(openssl(root, crl, bank2.certificatePem("CLIENT", "TLS")))
            .contains("certificate revoked");
        assertThat(openssl(root, crl, bank0.certificatePem("CLIENT", "TLS"))).contains(": OK");

        // Bank 0's client TLS key is compromised: the members vote to revoke that one certificate;
        // from the decision's block every node refuses it, and the served CRL lists it.
        String compromised =
            Pem.readCertificates(bank0.certificatePem("CLIENT", "TLS"))
                .get(0)
                .getSerialNumber()
                .toString(16);
        assertError(
            manager.send("POST", "/ledgers/club/proposals", revocation("abcdef0123"), token1),
            404,
            "CERTIFICATE_NOT_FOUND");
        String bank2Serial = ofBank2.get(0).getString("serial");
        assertError(
            manager.send("POST", "/ledgers/club/proposals", revocation(bank2Serial), token1),
            409,
            "ALREADY_REVOKED");
        HttpResponse<String> revoking =
            manager.send("POST", "/ledgers/club/proposals", revocation(compromised), token1);
        assertThat(revoking.statusCode()).as(revoking.body()).isEqualTo(201);
        String revocationPath =
            "/ledgers/club/proposals/" + new JsonObject(revoking.body()).getString("id");
        voteHosted(manager, revocationPath, token1);
        assertThat(
                manager
                    .send(
                        "POST",
                        revocationPath + "/ballots",
                        bank0.vote(new JsonObject(manager.get(revocationPath).body()), Choice.YES),
                        token0)
                    .statusCode())
            .isEqualTo(200);
        for (Object node : shown.getJsonArray("nodes")) {
          String endpoint = ((JsonObject) node).getString("endpoint");
          assertThatThrownBy(() -> bank0.tlsHandshake(endpoint))
              .as(endpoint)
              .isInstanceOf(SSLException.class);
        }
        Files.writeString(crl, manager.get("/ledgers/club/crl").body());
        assertThat(openssl(root, crl, bank0.certificatePem("CLIENT", "TLS")))
            .contains("certificate revoked");
        assertThat(openssl(root, crl, bank0.certificatePem("CLIENT", "SIGNING"))).contains(": OK");

        // The two members left close and settle; Bank 2's position is in the statement.
        String close =
            proposeHosted(manager, "club", new JsonObject().put("kind", "CLOSE_LEDGER"), token1);
        voteHosted(manager, close, token1);
        assertThat(
                manager
                    .send(
                        "POST",
                        close + "/ballots",
                        bank0.vote(new JsonObject(manager.get(close).body()), Choice.YES),
                        token0)
                    .statusCode())
            .isEqualTo(200);
        long settling = System.nanoTime();
        HttpResponse<String> settled = manager.post("/ledgers/club/settle", "{}");
        assertThat(settled.statusCode()).as(settled.body()).isEqualTo(200);
        // Settling waits for the current members' peers only: not the 10 s it would sit out for
        // the removed member's peer, which can never catch up.
        assertThat(Duration.ofNanos(System.nanoTime() - settling))
            .isLessThan(Duration.ofSeconds(9));
        assertThat(settled.body()).contains("Bank2MSP");

        // A successor of Bank 0 and Bank 1 could not carry what Bank 0 owes Bank 2: refused now,
        // and nothing is made.
        assertError(
            manager.post("/ledgers/club/successor", new JsonObject().put("name", "club2").encode()),
            409,
            "SUCCESSOR_CANNOT_CARRY");
        assertThat(new JsonObject(manager.get("/ledgers").body()).getJsonArray("ledgers"))
            .hasSize(1);
      } finally {
        bank0.close();
        bank1.close();
        bank2.close();
      }
    }
  }

  @Test
  void a_member_revokes_its_own_certificates_at_once_and_no_one_elses() throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory)) {
      create(manager, "lab", "payments-netting", 3, new JsonObject().put("topology.orderers", "1"));
      manager.awaitStatus("lab", "ACTIVE", Duration.ofSeconds(60));
      MemberKit bank0 = joinKeepingAdminHome(manager, "lab");
      MemberKit bank1 = joinKeepingAdminThere(manager, "lab", 1);
      Optional<String> token0 = Optional.of(bank0.apiToken());
      Optional<String> token1 = Optional.of(bank1.apiToken());
      try {
        String own0 = serialOf(bank0.certificatePem("CLIENT", "TLS"));
        String own1 = serialOf(bank1.certificatePem("CLIENT", "TLS"));
        String bank1Peer =
            new JsonObject(manager.send("GET", "/ledgers/lab/certificates", null, token1).body())
                .getJsonArray("certificates").stream()
                    .map(JsonObject.class::cast)
                    .filter(c -> c.getString("kind").equals("PEER"))
                    .findFirst()
                    .orElseThrow()
                    .getString("serial");
        String close =
            proposeHosted(manager, "lab", new JsonObject().put("kind", "CLOSE_LEDGER"), token1);

        // Refused up front, and nothing changes: a serial that is not hex, an unknown
        // certificate, another member's, one the manager's own peer uses, a reason that is none,
        // the operator (who signs for no member), a member that keeps no admin here.
        String hosted = new JsonObject().put("reason", "KEY_COMPROMISE").encode();
        assertError(
            manager.send("POST", revocationOf("zz"), hosted, token1), 400, "MALFORMED_REQUEST");
        assertError(
            manager.send("POST", revocationOf("abcdef0123"), hosted, token1),
            404,
            "CERTIFICATE_NOT_FOUND");
        assertError(manager.send("POST", revocationOf(own0), hosted, token1), 403, "FORBIDDEN");
        assertError(
            manager.send("POST", revocationOf(bank1Peer), hosted, token1),
            409,
            "CERTIFICATE_IN_USE");
        assertError(
            manager.send(
                "POST",
                revocationOf(own1),
                new JsonObject().put("reason", "LOST").encode(),
                token1),
            400,
            "MALFORMED_REQUEST");
        assertError(manager.post(revocationOf(own1), hosted), 403, "FORBIDDEN");
        assertError(
            manager.send("POST", revocationOf(own0), hosted, token0), 409, "NO_HOSTED_ADMIN");
        long sequence =
            new JsonObject(manager.get("/ledgers/lab").body()).getLong("configSequence");

        // Bank 1 revokes its client TLS certificate with the admin identity it keeps here: from
        // that block every node refuses it; Bank 0's still passes. The open vote lapses.
        HttpResponse<String> revoked = manager.send("POST", revocationOf(own1), hosted, token1);
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        JsonObject done = new JsonObject(revoked.body());
        assertThat(done.getString("status")).isEqualTo("REVOKED");
        assertThat(done.getLong("configSequence")).isEqualTo(sequence + 1);
        assertThat(done.getJsonArray("lapsedProposals"))
            .containsExactly(close.substring(close.lastIndexOf('/') + 1));
        assertThat(new JsonObject(manager.get(close).body()).getString("status"))
            .isEqualTo("CLOSED");
        JsonObject shown = new JsonObject(manager.get("/ledgers/lab").body());
        for (Object node : shown.getJsonArray("nodes")) {
          String endpoint = ((JsonObject) node).getString("endpoint");
          assertThatThrownBy(() -> bank1.tlsHandshake(endpoint))
              .as(endpoint)
              .isInstanceOf(SSLException.class);
          bank0.tlsHandshake(endpoint);
        }
        assertError(
            manager.send("POST", revocationOf(own1), hosted, token1), 409, "ALREADY_REVOKED");
        // A revoked certificate is not renewed; a renewed one only through its successor; a
        // serial must be hex; a revocation CRL needs hex serials and a reason there is.
        assertError(
            manager.send("POST", renewalOf(own1), "{}", token1), 409, "CERTIFICATE_REVOKED");
        assertError(manager.send("POST", renewalOf("xyz"), "{}", token1), 400, "MALFORMED_REQUEST");
        String ownSigning = serialOf(bank1.certificatePem("CLIENT", "SIGNING"));
        HttpResponse<String> renewed = manager.send("POST", renewalOf(ownSigning), "{}", token1);
        assertThat(renewed.statusCode()).as(renewed.body()).isEqualTo(200);
        assertError(
            manager.send("POST", renewalOf(ownSigning), "{}", token1),
            409,
            "CERTIFICATE_SUPERSEDED");
        assertError(
            manager.send("GET", "/ledgers/lab/revocation-crl?serial=zz", null, token1),
            400,
            "MALFORMED_REQUEST");
        assertError(
            manager.send(
                "GET", "/ledgers/lab/revocation-crl?serial=" + own0 + "&reason=LOST", null, token1),
            400,
            "MALFORMED_REQUEST");

        // Bank 0 keeps its admin key: it signs the update on its side. A signed update that
        // changes anything more is refused by the nodes' rule, and nothing changes.
        HttpResponse<String> update =
            manager.send("GET", revocationOf(own0) + "?reason=KEY_COMPROMISE", null, token0);
        assertThat(update.statusCode()).as(update.body()).isEqualTo(200);
        LedgerConfig next =
            LedgerConfig.parseFrom(
                Base64.getDecoder().decode(new JsonObject(update.body()).getString("config")));
        LedgerConfig more =
            next.toBuilder()
                .setBlockCutting(next.getBlockCutting().toBuilder().setMaxTransactions(7))
                .build();
        assertError(
            manager.send("POST", revocationOf(own0), signedUpdate(more, bank0), token0),
            422,
            "REVOCATION_REFUSED");
        assertThat(new JsonObject(manager.get("/ledgers/lab").body()).getLong("configSequence"))
            .isEqualTo(sequence + 1);
        HttpResponse<String> signed =
            manager.send("POST", revocationOf(own0), signedUpdate(next, bank0), token0);
        assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
        for (Object node : shown.getJsonArray("nodes")) {
          String endpoint = ((JsonObject) node).getString("endpoint");
          assertThatThrownBy(() -> bank0.tlsHandshake(endpoint))
              .as(endpoint)
              .isInstanceOf(SSLException.class);
        }

        // The CRL the API serves lists both; the signing certificates stay good.
        Path crl = directory.resolve("lab.crl.pem");
        Files.writeString(crl, manager.get("/ledgers/lab/crl").body());
        Path root = rootFile(bank0, "lab");
        assertThat(openssl(root, crl, bank0.certificatePem("CLIENT", "TLS")))
            .contains("certificate revoked");
        assertThat(openssl(root, crl, bank1.certificatePem("CLIENT", "TLS")))
            .contains("certificate revoked");
        assertThat(openssl(root, crl, bank1.certificatePem("CLIENT", "SIGNING"))).contains(": OK");
      } finally {
        bank0.close();
        bank1.close();
      }
    }
  }

  private static String renewalOf(String serial) {
    return "/ledgers/lab/certificates/" + serial + "/renewal";
  }

  private static String revocationOf(String serial) {
    return "/ledgers/lab/certificates/" + serial + "/revocation";
  }

  private static String serialOf(String pem) throws Exception {
    return Pem.readCertificates(pem).get(0).getSerialNumber().toString(16);
  }

  private static String signedUpdate(LedgerConfig next, MemberKit admin) throws Exception {
    return new JsonObject()
        .put("config", Base64.getEncoder().encodeToString(next.toByteArray()))
        .put(
            "signature",
            Base64.getEncoder()
                .encodeToString(MemberMessages.signConfig(next, admin.adminSigner()).toByteArray()))
        .encode();
  }

  private static void create(
      ManagerFixture manager, String name, String template, int parties, JsonObject overrides)
      throws Exception {
    JsonArray list = new JsonArray();
    for (int i = 0; i < parties; i++) {
      list.add(new JsonObject().put("organization", "Bank " + i).put("mspId", "Bank" + i + "MSP"));
    }
    HttpResponse<String> created =
        manager.post(
            "/ledgers",
            new JsonObject()
                .put("name", name)
                .put("template", template)
                .put("parties", list)
                .put("overrides", overrides)
                .encode());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
  }

  private static String invite(ManagerFixture manager, String ledger, String mspId)
      throws Exception {
    return invited(manager, ledger, mspId).getString("token");
  }

  /** The operator's invite for {@code mspId}, as the API answered it (with its token). */
  private static JsonObject invited(ManagerFixture manager, String ledger, String mspId)
      throws Exception {
    HttpResponse<String> invited =
        manager.post(
            "/ledgers/" + ledger + "/invites", new JsonObject().put("mspId", mspId).encode());
    assertThat(invited.statusCode()).as(invited.body()).isEqualTo(201);
    return new JsonObject(invited.body());
  }

  /** Bank 0 joins, keeping its admin key on its side (with a hosted peer). */
  private static MemberKit joinKeepingAdminHome(ManagerFixture manager, String ledger)
      throws Exception {
    MemberKit bank0 = new MemberKit("Bank 0", "Bank0MSP");
    HttpResponse<String> redeemed =
        manager.send(
            "POST",
            "/ledgers/" + ledger + "/invites/redeem",
            bank0.redeemRequest(invite(manager, ledger, "Bank0MSP")),
            Optional.empty());
    assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
    bank0.redeemed(new JsonObject(redeemed.body()));
    return bank0;
  }

  private static MemberKit joinKeepingAdminThere(ManagerFixture manager, String ledger, int bank)
      throws Exception {
    MemberKit kit = new MemberKit("Bank " + bank, "Bank" + bank + "MSP");
    HttpResponse<String> redeemed =
        manager.send(
            "POST",
            "/ledgers/" + ledger + "/invites/redeem",
            kit.redeemRequestKeepingAdminThere(invite(manager, ledger, "Bank" + bank + "MSP")),
            Optional.empty());
    assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
    kit.redeemed(new JsonObject(redeemed.body()));
    return kit;
  }

  /** Proposes {@code action}, signed by the caller's admin identity kept with the manager. */
  private static String proposeHosted(
      ManagerFixture manager, String ledger, JsonObject action, Optional<String> token)
      throws Exception {
    HttpResponse<String> proposed =
        manager.send(
            "POST",
            "/ledgers/" + ledger + "/proposals",
            new JsonObject().put("action", action).encode(),
            token);
    assertThat(proposed.statusCode()).as(proposed.body()).isEqualTo(201);
    return "/ledgers/" + ledger + "/proposals/" + new JsonObject(proposed.body()).getString("id");
  }

  private static JsonObject voteHosted(ManagerFixture manager, String path, Optional<String> token)
      throws Exception {
    HttpResponse<String> voted =
        manager.send(
            "POST", path + "/ballots", new JsonObject().put("choice", "YES").encode(), token);
    assertThat(voted.statusCode()).as(voted.body()).isEqualTo(200);
    return new JsonObject(voted.body());
  }

  private static String revocation(String serial) {
    return new JsonObject()
        .put(
            "action",
            new JsonObject()
                .put("kind", "REVOKE_CERTIFICATES")
                .put("serials", new JsonArray().add(serial))
                .put("reason", "KEY_COMPROMISE"))
        .encode();
  }

  private static GovernanceProposal.Builder proposal(JsonObject ledger, String mspId) {
    return GovernanceProposal.newBuilder()
        .setLedgerId(ledger.getString("id"))
        .setConfigSequence(ledger.getLong("configSequence"))
        .setProposerMspId(mspId)
        .setCreatedAtMillis(System.currentTimeMillis());
  }

  private static List<String> mspIds(JsonArray members) {
    return members.stream().map(m -> ((JsonObject) m).getString("mspId")).toList();
  }

  private static String endpointOf(JsonObject ledger, String nodeId) {
    return ledger.getJsonArray("nodes").stream()
        .map(JsonObject.class::cast)
        .filter(node -> node.getString("id").equals(nodeId))
        .findFirst()
        .orElseThrow()
        .getString("endpoint");
  }

  /** The ledger's TLS root as a member's connection profile gives it, in a file for openssl. */
  private Path rootFile(MemberKit member, String ledger) throws Exception {
    return Files.writeString(
        directory.resolve(ledger + ".root.pem"),
        member
            .redemption()
            .getJsonObject("connectionProfile")
            .getJsonArray("tlsRootCertificates")
            .getString(0));
  }

  /** What {@code openssl verify -crl_check} says of a certificate. */
  private String openssl(Path root, Path crl, String certificatePem) throws Exception {
    Path certificate = Files.createTempFile(directory, "cert", ".pem");
    Files.writeString(certificate, certificatePem);
    Process verify =
        new ProcessBuilder(
                "openssl",
                "verify",
                "-crl_check",
                "-CAfile",
                root.toString(),
                "-CRLfile",
                crl.toString(),
                certificate.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    verify.waitFor(30, TimeUnit.SECONDS);
    return out;
  }
}
