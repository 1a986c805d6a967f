package io.patchwork.manager;

import static io.patchwork.manager.ManagerFixture.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.SubmittedTransaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through the REST API only, as an operator and members would use it: a ledger for 20 banks, an
 * invite redeemed with CSRs made on the member's side, transactions through the official Fabric
 * Gateway client with the certificates the redemption returned, what a member may and may not do,
 * and a restart of the manager that brings the ledger back with its blocks.
 */
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
      // The member's token and certificates still work; the ledger takes new transactions.
      assertThat(manager.send("GET", "/ledgers/trade", null, member).statusCode()).isEqualTo(200);
      Contract reopened = bank0.gateway().getNetwork("trade").getContract("obligations");
      reopened.submitTransaction("record", "iou-2", "Bank0MSP", "Bank2MSP", "EUR", "7");
      assertThat(new String(reopened.evaluateTransaction("get", "iou-1"), StandardCharsets.UTF_8))
          .contains("\"amount\":\"125\"");
    }
  }

  private static HttpResponse<String> redeem(ManagerFixture manager, String body) throws Exception {
    return manager.send("POST", "/ledgers/trade/invites/redeem", body, Optional.empty());
  }
}
