package io.patchwork.manager;

import static io.patchwork.manager.ManagerFixture.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.governance.Choice;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.SubmittedTransaction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through the REST API only, as an operator and members would use it: a ledger for 20 banks, an
 * invite redeemed with CSRs made on the member's side, transactions through the official Fabric
 * Gateway client with the certificates the redemption returned, what a member may and may not do,
 * and a restart of the manager that brings the ledger back with its blocks.
 */
@Tag("cluster")
class MemberJourneyTest {
  private static final int PARTIES = 20;

  @TempDir Path directory;

  private static String ledgerRequest(String name, int parties) {
    JsonArray list = new JsonArray();
    for (int i = 0; i < parties; i++) {
      list.add(new JsonObject().put("organization", "Bank " + i).put("mspId", "Bank" + i + "MSP"));
    }
    return new JsonObject()
        .put("name", name)
        .put("template", "payments-netting")
        .put("parties", list)
        .encode();
  }

  @Test
  void twenty_banks_get_a_ledger_a_member_joins_by_invite_transacts_and_survives_a_restart()
      throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory);
        MemberKit bank0 = new MemberKit("Bank 0", "Bank0MSP")) {
      assertThat(manager.post("/ledgers", ledgerRequest("trade", PARTIES)).statusCode())
          .isEqualTo(201);
      JsonObject active = manager.awaitStatus("trade", "ACTIVE", Duration.ofSeconds(120));
      assertThat(active.getJsonArray("nodes")).hasSize(3 + PARTIES);

      // The operator invites Bank 0; the token is shown once and never listed.
      HttpResponse<String> invited =
          manager.post(
              "/ledgers/trade/invites", new JsonObject().put("mspId", "Bank0MSP").encode());
      assertThat(invited.statusCode()).as(invited.body()).isEqualTo(201);
      String token = new JsonObject(invited.body()).getString("token");
      assertThat(token).startsWith("pwi_");
      assertError(
          manager.post("/ledgers/trade/invites", new JsonObject().put("mspId", "NopeMSP").encode()),
          400,
          "NOT_A_MEMBER");
      assertError(
          manager.post(
              "/ledgers/trade/invites",
              new JsonObject().put("mspId", "Bank1MSP").put("validFor", "P90D").encode()),
          400,
          "INVALID_VALIDITY");
      assertError(
          manager.post("/ledgers/gone/invites", new JsonObject().put("mspId", "Bank1MSP").encode()),
          404,
          "LEDGER_NOT_FOUND");
      assertError(redeem(manager, "{\"token\": 7}"), 400, "MALFORMED_REQUEST");
      String listed = manager.get("/ledgers/trade/invites").body();
      assertThat(listed).contains("Bank0MSP").doesNotContain(token);

      // CSRs naming another organisation do not match the invite, and use nothing up.
      assertError(redeem(manager, bank0.redeemRequest(token, "Bank 1")), 403, "SUBJECT_MISMATCH");
      assertError(
          redeem(manager, bank0.redeemRequest("pwi_" + "A".repeat(43))), 404, "INVITE_NOT_FOUND");
      HttpResponse<String> redeemed = redeem(manager, bank0.redeemRequest(token));
      assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
      bank0.redeemed(new JsonObject(redeemed.body()));
      assertError(redeem(manager, bank0.redeemRequest(token)), 409, "INVITE_ALREADY_REDEEMED");
      JsonObject profile = bank0.redemption().getJsonObject("connectionProfile");
      assertThat(profile.getJsonArray("peers")).hasSize(PARTIES);
      assertThat(profile.getJsonArray("peers").getJsonObject(0).getString("mspId"))
          .isEqualTo("Bank0MSP");
      assertThat(bank0.redemption().getJsonArray("certificates")).hasSize(3);
      assertThat(bank0.redemption().getJsonObject("msp").getJsonArray("crls").getString(0))
          .startsWith("-----BEGIN X509 CRL-----");

      // The member's application submits with the official client; other peers endorse.
      Contract obligations = bank0.gateway().getNetwork("trade").getContract("obligations");
      SubmittedTransaction recorded =
          obligations
              .newProposal("record")
              .addArguments("iou-1", "Bank0MSP", "Bank1MSP", "EUR", "125")
              .build()
              .endorse()
              .submitAsync();
      assertThat(recorded.getStatus().isSuccessful()).isTrue();
      long committedIn = recorded.getStatus().getBlockNumber();
      assertThat(
              new String(obligations.evaluateTransaction("get", "iou-1"), StandardCharsets.UTF_8))
          .contains("\"amount\":\"125\"");

      String metrics = manager.get("/metrics").body();
      assertThat(metrics)
          .contains("patchwork_commit_latency_seconds_count{ledger=\"trade\"}")
          .contains("patchwork_peer_lag{kind=\"peer\",ledger=\"trade\",node=\"peer0\"}")
          .contains("patchwork_raft_term{kind=\"orderer\",ledger=\"trade\",node=\"orderer0\"}");

      // The member admin's API token sees its ledger and acts for its organisation only.
      Optional<String> member = Optional.of(bank0.apiToken());
      assertThat(manager.send("GET", "/ledgers/trade", null, member).statusCode()).isEqualTo(200);
      assertThat(
              new JsonObject(manager.send("GET", "/ledgers", null, member).body())
                  .getJsonArray("ledgers"))
          .hasSize(1);
      assertError(
          manager.send("POST", "/ledgers", ledgerRequest("other", 2), member), 403, "FORBIDDEN");
      assertError(
          manager.send(
              "POST",
              "/ledgers/trade/invites",
              new JsonObject().put("mspId", "Bank1MSP").encode(),
              member),
          403,
          "FORBIDDEN");
      assertError(
          manager.send("GET", "/ledgers/trade", null, Optional.empty()), 401, "UNAUTHENTICATED");
      assertError(
          manager.send("GET", "/ledgers/trade", null, Optional.of("pwt_" + "x".repeat(43))),
          401,
          "INVALID_TOKEN");

      // A restart brings the ledger back from disk: ACTIVE, every node at least as high as before.
      JsonArray before = new JsonObject(manager.get("/ledgers/trade").body()).getJsonArray("nodes");
      bank0.close();
      manager.restart();
      assertThat(manager.manager().resumed()).isEqualTo(1);
      JsonObject after = manager.awaitStatus("trade", "ACTIVE", Duration.ofSeconds(10));
      JsonArray nodes = after.getJsonArray("nodes");
      assertThat(nodes).hasSize(before.size());
      for (int i = 0; i < nodes.size(); i++) {
        assertThat(nodes.getJsonObject(i).getLong("height"))
            .as(nodes.getJsonObject(i).getString("id"))
            .isGreaterThanOrEqualTo(before.getJsonObject(i).getLong("height"))
            .isGreaterThan(committedIn);
      }
      // The nodes' keys are sealed with the manager's passphrase, and opened again at the restart.
      try (var files = Files.walk(directory.resolve("ledgers/trade/credentials"))) {
        List<Path> keys =
            files
                .filter(
                    f ->
                        f.getFileName().toString().equals("priv_sk")
                            || f.getFileName().toString().equals("key.pem"))
                .toList();
        assertThat(keys).hasSizeGreaterThanOrEqualTo(2 * (3 + PARTIES));
        for (Path key : keys) {
          assertThat(Files.readString(key))
              .as(key.toString())
              .contains("PATCHWORK SEALED PRIVATE KEY")
              .doesNotContain("-----BEGIN PRIVATE KEY-----");
        }
      }
      // The member's token and certificates still work; the ledger takes new transactions.
      assertThat(manager.send("GET", "/ledgers/trade", null, member).statusCode()).isEqualTo(200);
      Contract reopened = bank0.gateway().getNetwork("trade").getContract("obligations");
      reopened.submitTransaction("record", "iou-2", "Bank0MSP", "Bank2MSP", "EUR", "7");
      assertThat(new String(reopened.evaluateTransaction("get", "iou-1"), StandardCharsets.UTF_8))
          .contains("\"amount\":\"125\"");
    }
  }

  @Test
  void members_vote_a_twenty_first_bank_in_through_the_api_and_it_joins_by_invite()
      throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory)) {
      assertThat(manager.post("/ledgers", ledgerRequest("club", PARTIES)).statusCode())
          .isEqualTo(201);
      JsonObject ledger = manager.awaitStatus("club", "ACTIVE", Duration.ofSeconds(120));
      // More than half of 20 must vote yes: 11 admins join by invite.
      List<MemberKit> admins = new ArrayList<>();
      for (int i = 0; i <= PARTIES / 2; i++) {
        admins.add(join(manager, "club", "Bank " + i, "Bank" + i + "MSP", false));
      }
      GovernanceProposal addBank20 =
          GovernanceProposal.newBuilder()
              .setLedgerId("club")
              .setConfigSequence(ledger.getLong("configSequence"))
              .setProposerMspId("Bank0MSP")
              .setCreatedAtMillis(System.currentTimeMillis())
              .setAddMember(
                  GovernanceProposal.AddMember.newBuilder()
                      .setOrganization("Bank 20")
                      .setMspId("Bank20MSP"))
              .build();
      Optional<String> bank0 = Optional.of(admins.get(0).apiToken());
      Optional<String> bank1 = Optional.of(admins.get(1).apiToken());

      // A member cannot hand in what another member signed, nor may the operator vote.
      assertError(
          manager.send("POST", "/ledgers/club/proposals", admins.get(0).propose(addBank20), bank1),
          403,
          "FORBIDDEN");
      assertError(
          manager.post("/ledgers/club/proposals", admins.get(0).propose(addBank20)),
          403,
          "FORBIDDEN");
      HttpResponse<String> proposed =
          manager.send("POST", "/ledgers/club/proposals", admins.get(0).propose(addBank20), bank0);
      assertThat(proposed.statusCode()).as(proposed.body()).isEqualTo(201);
      JsonObject proposal = new JsonObject(proposed.body());
      assertThat(proposal.getString("status")).isEqualTo("IN_PROGRESS");
      assertThat(proposal.getJsonObject("action").getString("kind")).isEqualTo("ADD_MEMBER");
      String path = "/ledgers/club/proposals/" + proposal.getString("id");

      // Bank 1 cannot vote for Bank 0; a ballot whose choice was flipped after signing is forged.
      assertError(
          manager.send("POST", path + "/ballots", admins.get(0).vote(proposal, Choice.YES), bank1),
          403,
          "FORBIDDEN");
      JsonObject shown = proposal;
      for (int i = 0; i < admins.size(); i++) {
        HttpResponse<String> voted =
            manager.send(
                "POST",
                path + "/ballots",
                admins.get(i).vote(proposal, Choice.YES),
                Optional.of(admins.get(i).apiToken()));
        assertThat(voted.statusCode()).as(voted.body()).isEqualTo(200);
        shown = new JsonObject(voted.body());
        if (i == 0) {
          assertError(
              manager.send(
                  "POST", path + "/ballots", admins.get(0).vote(proposal, Choice.NO), bank0),
              422,
              "BALLOT_REFUSED");
        }
      }
      // The eleventh yes decided it; the decision was committed and the proposal closed.
      assertThat(shown.getString("status")).as(shown.encode()).isEqualTo("CLOSED");
      assertThat(shown.getJsonArray("ballots")).hasSize(PARTIES / 2 + 1);
      JsonArray listed =
          new JsonObject(manager.send("GET", "/ledgers/club/proposals", null, bank1).body())
              .getJsonArray("proposals");
      assertThat(listed).hasSize(1);

      // Bank 20 is a member now: the operator invites it; it asks for a hosted peer, which
      // starts from a snapshot and catches up; its application transacts through that peer.
      try (MemberKit bank20 = join(manager, "club", "Bank 20", "Bank20MSP", true)) {
        JsonObject hosted = bank20.redemption().getJsonObject("hostedPeer");
        assertThat(hosted.getString("mspId")).as(hosted.encode()).isEqualTo("Bank20MSP");
        assertThat(
                bank20
                    .redemption()
                    .getJsonObject("connectionProfile")
                    .getJsonArray("peers")
                    .getJsonObject(0)
                    .getString("node"))
            .as(bank20.redemption().getJsonObject("connectionProfile").encode())
            .isEqualTo(hosted.getString("id"));
        long top = awaitCaughtUp(manager, "club", hosted.getString("id"));
        assertThat(top).isGreaterThan(1);
        Contract obligations = bank20.gateway().getNetwork("club").getContract("obligations");
        obligations.submitTransaction("record", "iou-20", "Bank20MSP", "Bank3MSP", "EUR", "40");
        assertThat(
                new String(
                    obligations.evaluateTransaction("get", "iou-20"), StandardCharsets.UTF_8))
            .contains("\"debtor\":\"Bank20MSP\"");
        assertError(
            manager.send("POST", "/ledgers/club/peers", "{}", Optional.of(bank20.apiToken())),
            409,
            "PEER_EXISTS");

        // The hosted peer is part of the ledger the manager brings back after a restart.
        bank20.close();
        manager.restart();
        awaitCaughtUp(manager, "club", hosted.getString("id"));
        Contract again = bank20.gateway().getNetwork("club").getContract("obligations");
        assertThat(new String(again.evaluateTransaction("get", "iou-20"), StandardCharsets.UTF_8))
            .contains("\"amount\":\"40\"");
      } finally {
        admins.forEach(MemberKit::close);
      }
    }
  }

  @Test
  void a_member_runs_a_peer_of_its_own_from_its_invite_and_transacts_through_it() throws Exception {
    Process node = null;
    try (ManagerFixture manager = ManagerFixture.start(directory);
        MemberKit bank0 = new MemberKit("Bank 0", "Bank0MSP")) {
      assertThat(manager.post("/ledgers", ledgerRequest("own", 3)).statusCode()).isEqualTo(201);
      manager.awaitStatus("own", "ACTIVE", Duration.ofSeconds(60));
      assertError(
          manager.post(
              "/ledgers/own/invites",
              new JsonObject().put("mspId", "Bank0MSP").put("nodes", 11).encode()),
          400,
          "INVALID_NODES");
      HttpResponse<String> invited =
          manager.post(
              "/ledgers/own/invites",
              new JsonObject().put("mspId", "Bank0MSP").put("nodes", 1).encode());
      assertThat(invited.statusCode()).as(invited.body()).isEqualTo(201);
      HttpResponse<String> redeemed =
          manager.send(
              "POST",
              "/ledgers/own/invites/redeem",
              bank0.redeemRequestWithOwnPeer(
                  new JsonObject(invited.body()).getString("token"), "bank0-own"),
              Optional.empty());
      assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
      bank0.redeemed(new JsonObject(redeemed.body()));
      assertThat(bank0.redemption().getJsonArray("certificates")).hasSize(5);

      // What the member's node starts from: the genesis block and a fresh snapshot.
      Optional<String> admin = Optional.of(bank0.apiToken());
      Path folder = directory.resolve("bank0-own");
      bank0.writeOwnPeerFolder(folder);
      Path genesis = folder.resolve("genesis.block");
      Path snapshot = folder.resolve("own.snapshot");
      download(manager, "/ledgers/own/genesis", admin, genesis);
      download(manager, "/ledgers/own/snapshot", admin, snapshot);
      assertThat(manager.send("GET", "/ledgers/own/snapshot", null, Optional.empty()).statusCode())
          .isEqualTo(401);

      int port;
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      Path log = folder.resolve("node.out");
      node =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx512m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  Main.class.getName(),
                  "node",
                  "run",
                  "--genesis",
                  genesis.toString(),
                  "--node-id",
                  "bank0-own",
                  "--msp",
                  folder.resolve("msp").toString(),
                  "--tls",
                  folder.resolve("tls").toString(),
                  "--data-dir",
                  folder.resolve("data").toString(),
                  "--snapshot",
                  snapshot.toString(),
                  "--port",
                  Integer.toString(port),
                  "--bind",
                  "127.0.0.1")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!Files.readString(log).contains("is running")) {
        assertThat(node.isAlive()).as(Files.readString(log)).isTrue();
        assertThat(System.nanoTime()).as("the member's peer did not start").isLessThan(deadline);
        Thread.sleep(100);
      }

      // The member's application goes through its own peer, which endorses with another member's.
      Contract obligations =
          bank0.gateway("127.0.0.1:" + port).getNetwork("own").getContract("obligations");
      obligations.submitTransaction("record", "iou-own", "Bank0MSP", "Bank1MSP", "EUR", "9");
      assertThat(
              new String(obligations.evaluateTransaction("get", "iou-own"), StandardCharsets.UTF_8))
          .contains("\"amount\":\"9\"");
    } finally {
      if (node != null) {
        node.destroyForcibly().waitFor();
      }
    }
  }

  @Test
  void members_who_keep_their_admin_identity_here_propose_and_vote_by_name() throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory)) {
      assertThat(manager.post("/ledgers", ledgerRequest("kept", 3)).statusCode()).isEqualTo(201);
      manager.awaitStatus("kept", "ACTIVE", Duration.ofSeconds(60));
      List<Optional<String>> tokens = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> invited =
            manager.post(
                "/ledgers/kept/invites",
                new JsonObject().put("mspId", "Bank" + i + "MSP").encode());
        MemberKit kit = new MemberKit("Bank " + i, "Bank" + i + "MSP");
        HttpResponse<String> redeemed =
            manager.send(
                "POST",
                "/ledgers/kept/invites/redeem",
                kit.redeemRequestKeepingAdminThere(
                    new JsonObject(invited.body()).getString("token")),
                Optional.empty());
        assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
        JsonObject answer = new JsonObject(redeemed.body());
        assertThat(answer.getJsonObject("hostedAdmin").getString("pem")).contains("CERTIFICATE");
        assertThat(answer.encode()).doesNotContain("PRIVATE KEY");
        tokens.add(Optional.of(answer.getString("apiToken")));
      }
      // Bank 2 keeps its admin key itself: the manager cannot vote for it.
      MemberKit bank2 = join(manager, "kept", "Bank 2", "Bank2MSP", false);

      assertError(
          manager.send(
              "POST",
              "/ledgers/kept/proposals",
              new JsonObject()
                  .put("action", new JsonObject().put("kind", "CHANGE_POLICY"))
                  .encode(),
              tokens.get(0)),
          400,
          "MALFORMED_REQUEST");
      HttpResponse<String> proposed =
          manager.send(
              "POST",
              "/ledgers/kept/proposals",
              new JsonObject()
                  .put(
                      "action",
                      new JsonObject()
                          .put("kind", "ADD_MEMBER")
                          .put("organization", "Bank 9")
                          .put("mspId", "Bank9MSP"))
                  .encode(),
              tokens.get(0));
      assertThat(proposed.statusCode()).as(proposed.body()).isEqualTo(201);
      String path = "/ledgers/kept/proposals/" + new JsonObject(proposed.body()).getString("id");
      assertError(
          manager.send(
              "POST",
              path + "/ballots",
              new JsonObject().put("choice", "YES").encode(),
              Optional.of(bank2.apiToken())),
          409,
          "NO_HOSTED_ADMIN");
      // A ballot on no proposal, a body that is neither form, a proposal for a config that is not
      // the one in force, and a statement or archive of a ledger that has not closed.
      assertError(
          manager.send(
              "POST",
              "/ledgers/kept/proposals/no-such-proposal/ballots",
              new JsonObject().put("choice", "YES").encode(),
              tokens.get(0)),
          404,
          "PROPOSAL_NOT_FOUND");
      assertError(
          manager.send("POST", "/ledgers/kept/proposals", "{}", tokens.get(0)),
          400,
          "MALFORMED_REQUEST");
      assertError(
          manager.send(
              "POST",
              "/ledgers/kept/proposals",
              bank2.propose(
                  GovernanceProposal.newBuilder()
                      .setLedgerId("kept")
                      .setConfigSequence(99)
                      .setProposerMspId("Bank2MSP")
                      .setCreatedAtMillis(System.currentTimeMillis())
                      .setAddMember(
                          GovernanceProposal.AddMember.newBuilder()
                              .setOrganization("Bank 8")
                              .setMspId("Bank8MSP"))
                      .build()),
              Optional.of(bank2.apiToken())),
          422,
          "PROPOSAL_REFUSED");
      assertError(manager.get("/ledgers/kept/statement"), 404, "NO_STATEMENT");
      assertError(manager.get("/ledgers/kept/archive"), 404, "NO_ARCHIVE");
      JsonObject shown = null;
      for (Optional<String> token : tokens) {
        HttpResponse<String> voted =
            manager.send(
                "POST", path + "/ballots", new JsonObject().put("choice", "YES").encode(), token);
        assertThat(voted.statusCode()).as(voted.body()).isEqualTo(200);
        shown = new JsonObject(voted.body());
      }
      // Two of three voted yes: carried out, and Bank 9 can now be invited.
      assertThat(shown.getString("status")).as(shown.encode()).isEqualTo("CLOSED");
      assertThat(
              manager
                  .post("/ledgers/kept/invites", new JsonObject().put("mspId", "Bank9MSP").encode())
                  .statusCode())
          .isEqualTo(201);
      bank2.close();
    }
  }

  private static void download(
      ManagerFixture manager, String path, Optional<String> token, Path file) throws Exception {
    HttpResponse<byte[]> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(manager.manager().url() + path))
                    .header("authorization", "Bearer " + token.orElseThrow())
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    Files.write(file, response.body());
  }

  /** Waits until the node has as many blocks as the ledger's furthest node; returns that height. */
  private static long awaitCaughtUp(ManagerFixture manager, String ledger, String nodeId)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      JsonArray nodes =
          new JsonObject(manager.get("/ledgers/" + ledger).body()).getJsonArray("nodes");
      long top = 0;
      long mine = -1;
      for (int i = 0; i < nodes.size(); i++) {
        JsonObject node = nodes.getJsonObject(i);
        top = Math.max(top, node.getLong("height"));
        if (node.getString("id").equals(nodeId)) {
          mine = node.getLong("height");
        }
      }
      if (mine == top) {
        return top;
      }
      assertThat(System.nanoTime()).as(nodeId + " at " + mine + " of " + top).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** The operator invites the organisation; it redeems with its own CSRs. */
  private static MemberKit join(
      ManagerFixture manager, String ledger, String organization, String mspId, boolean hosted)
      throws Exception {
    HttpResponse<String> invited =
        manager.post(
            "/ledgers/" + ledger + "/invites", new JsonObject().put("mspId", mspId).encode());
    assertThat(invited.statusCode()).as(invited.body()).isEqualTo(201);
    MemberKit kit = new MemberKit(organization, mspId);
    HttpResponse<String> redeemed =
        manager.send(
            "POST",
            "/ledgers/" + ledger + "/invites/redeem",
            kit.redeemRequest(
                new JsonObject(invited.body()).getString("token"), organization, hosted),
            Optional.empty());
    assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
    kit.redeemed(new JsonObject(redeemed.body()));
    return kit;
  }

  private static HttpResponse<String> redeem(ManagerFixture manager, String body) throws Exception {
    return manager.send("POST", "/ledgers/trade/invites/redeem", body, Optional.empty());
  }
}
