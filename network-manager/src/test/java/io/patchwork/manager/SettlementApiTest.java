package io.patchwork.manager;

import static io.patchwork.manager.ManagerFixture.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.patchwork.node.audit.LedgerArchive;
import io.patchwork.node.crypto.SignatureVerifier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.EndorseException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing through the API: members record obligations with the Fabric Gateway client, vote to
 * close; business transactions stop; the operator settles; the statement the peers accepted shows
 * positions that sum to zero and transfers that settle them; the ledger is CLOSED.
 */
@Tag("cluster")
class SettlementApiTest {
  @TempDir Path directory;

  @Test
  void members_close_a_ledger_and_it_ends_with_their_net_settlement() throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory)) {
      JsonArray parties = new JsonArray();
      for (int i = 0; i < 3; i++) {
        parties.add(
            new JsonObject().put("organization", "Bank " + i).put("mspId", "Bank" + i + "MSP"));
      }
      assertThat(
              manager
                  .post(
                      "/ledgers",
                      new JsonObject()
                          .put("name", "netting")
                          .put("template", "payments-netting")
                          .put("parties", parties)
                          .put("overrides", new JsonObject().put("topology.orderers", "1"))
                          .encode())
                  .statusCode())
          .isEqualTo(201);
      manager.awaitStatus("netting", "ACTIVE", Duration.ofSeconds(60));
      List<MemberKit> banks = new ArrayList<>();
      List<Optional<String>> tokens = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        MemberKit bank = new MemberKit("Bank " + i, "Bank" + i + "MSP");
        HttpResponse<String> invited =
            manager.post(
                "/ledgers/netting/invites",
                new JsonObject().put("mspId", "Bank" + i + "MSP").encode());
        HttpResponse<String> redeemed =
            manager.send(
                "POST",
                "/ledgers/netting/invites/redeem",
                bank.redeemRequestKeepingAdminThere(
                    new JsonObject(invited.body()).getString("token")),
                Optional.empty());
        assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
        bank.redeemed(new JsonObject(redeemed.body()));
        banks.add(bank);
        tokens.add(Optional.of(bank.apiToken()));
      }
      try {
        // 0 owes 1 100, 1 owes 2 60, 2 owes 0 25: positions -75, +40, +35.
        obligation(banks, 0, 1, "o1", "100");
        obligation(banks, 1, 2, "o2", "60");
        obligation(banks, 2, 0, "o3", "25");
        assertError(manager.post("/ledgers/netting/settle", "{}"), 409, "LEDGER_NOT_CLOSING");

        HttpResponse<String> proposed =
            manager.send(
                "POST",
                "/ledgers/netting/proposals",
                new JsonObject()
                    .put("action", new JsonObject().put("kind", "CLOSE_LEDGER"))
                    .encode(),
                tokens.get(0));
        assertThat(proposed.statusCode()).as(proposed.body()).isEqualTo(201);
        String path =
            "/ledgers/netting/proposals/" + new JsonObject(proposed.body()).getString("id");
        for (int i = 0; i < 2; i++) {
          HttpResponse<String> voted =
              manager.send(
                  "POST",
                  path + "/ballots",
                  new JsonObject().put("choice", "YES").encode(),
                  tokens.get(i));
          assertThat(voted.statusCode()).as(voted.body()).isEqualTo(200);
        }
        assertThat(new JsonObject(manager.get("/ledgers/netting").body()).getString("status"))
            .isEqualTo("CLOSING");
        Contract closing = banks.get(0).gateway().getNetwork("netting").getContract("obligations");
        assertThatThrownBy(
                () ->
                    closing.submitTransaction("record", "late", "Bank0MSP", "Bank1MSP", "EUR", "1"))
            .isInstanceOfSatisfying(
                EndorseException.class,
                e ->
                    assertThat(e.getDetails())
                        .anyMatch(detail -> detail.getMessage().contains("is CLOSING")));

        assertError(
            manager.send("POST", "/ledgers/netting/settle", "{}", tokens.get(0)), 403, "FORBIDDEN");
        HttpResponse<String> settled = manager.post("/ledgers/netting/settle", "{}");
        assertThat(settled.statusCode()).as(settled.body()).isEqualTo(200);
        JsonObject eur = new JsonObject(settled.body()).getJsonArray("assets").getJsonObject(0);
        assertThat(eur.getString("asset")).isEqualTo("EUR");
        assertThat(eur.getString("gross")).isEqualTo("185");
        assertThat(eur.getString("moved")).isEqualTo("75");
        assertThat(eur.getString("nettingRatio")).isEqualTo("2.4667");
        BigInteger sum = BigInteger.ZERO;
        for (Object position : eur.getJsonArray("positions")) {
          sum = sum.add(new BigInteger(((JsonObject) position).getString("amount")));
        }
        assertThat(sum).isZero();
        assertThat(eur.getJsonArray("transfers").size()).isLessThanOrEqualTo(2);

        // Archived: the archive verifies offline, the nodes and their data are gone.
        assertThat(new JsonObject(settled.body()).getString("status")).isEqualTo("ARCHIVED");
        JsonObject archived = new JsonObject(manager.get("/ledgers/netting").body());
        assertThat(archived.getString("status")).isEqualTo("ARCHIVED");
        assertThat(archived.containsKey("nodes")).isFalse();
        assertThat(directory.resolve("ledgers/netting")).doesNotExist();
        HttpResponse<byte[]> download =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create(manager.manager().url() + "/ledgers/netting/archive"))
                        .header("authorization", "Bearer " + tokens.get(1).orElseThrow())
                        .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        Path copy = directory.resolve("downloaded.archive");
        Files.write(copy, download.body());
        LedgerArchive.Report report = LedgerArchive.verify(copy, new SignatureVerifier(1000));
        assertThat(report.problem()).isEmpty();
        assertThat(report.ledgerId()).isEqualTo("netting");
        JsonObject statement =
            new JsonObject(
                manager.send("GET", "/ledgers/netting/statement", null, tokens.get(2)).body());
        assertThat(statement.getInteger("signatures")).isEqualTo(2);
        assertThat(statement.getJsonArray("assets").getJsonObject(0).getString("moved"))
            .isEqualTo("75");
        assertError(manager.post("/ledgers/netting/settle", "{}"), 409, "LEDGER_NOT_CLOSING");

        // A successor carries the positions on, linked to the statement by its hash.
        assertError(
            manager.send(
                "POST", "/ledgers/netting/successor", "{\"name\": \"netting-2\"}", tokens.get(0)),
            403,
            "FORBIDDEN");
        assertError(manager.post("/ledgers/netting/successor", "[]"), 400, "MALFORMED_REQUEST");
        assertError(
            manager.post("/ledgers/netting/successor", "{\"name\": \"netting\"}"),
            409,
            "DUPLICATE_NAME");
        assertError(
            manager.post("/ledgers/nowhere/successor", "{\"name\": \"x\"}"),
            404,
            "LEDGER_NOT_FOUND");
        // Not from an archive that does not verify: one flipped byte of the statement.
        Path kept = directory.resolve("archives/netting.archive");
        byte[] good = Files.readAllBytes(kept);
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 1;
        Files.write(kept, bad);
        assertError(
            manager.post("/ledgers/netting/successor", "{\"name\": \"netting-2\"}"),
            409,
            "ARCHIVE_INVALID");
        Files.write(kept, good);
        HttpResponse<String> started =
            manager.post("/ledgers/netting/successor", "{\"name\": \"netting-2\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
        JsonObject link = new JsonObject(started.body()).getJsonObject("predecessor");
        assertThat(link.getString("ledger")).isEqualTo("netting");
        assertThat(link.getString("statementSha256"))
            .isEqualTo(
                HexFormat.of()
                    .formatHex(
                        MessageDigest.getInstance("SHA-256")
                            .digest(report.statement().orElseThrow().toByteArray())));
        assertThat(link.getInteger("openingObligations")).isBetween(1, 2);
        JsonObject successor = manager.awaitStatus("netting-2", "ACTIVE", Duration.ofSeconds(60));
        assertThat(successor.getJsonArray("parties")).hasSize(3);
        assertThat(successor.getJsonObject("predecessor")).isEqualTo(link);
        assertError(
            manager.post("/ledgers/netting-2/successor", "{\"name\": \"netting-3\"}"),
            409,
            "LEDGER_NOT_ARCHIVED");
        try (MemberKit bank0 = new MemberKit("Bank 0", "Bank0MSP")) {
          HttpResponse<String> invited =
              manager.post(
                  "/ledgers/netting-2/invites", new JsonObject().put("mspId", "Bank0MSP").encode());
          HttpResponse<String> redeemed =
              manager.send(
                  "POST",
                  "/ledgers/netting-2/invites/redeem",
                  bank0.redeemRequest(new JsonObject(invited.body()).getString("token")),
                  Optional.empty());
          assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
          bank0.redeemed(new JsonObject(redeemed.body()));
          String positions =
              new String(
                  bank0
                      .gateway()
                      .getNetwork("netting-2")
                      .getContract("obligations")
                      .evaluateTransaction("positions", "EUR"),
                  StandardCharsets.UTF_8);
          assertThat(new JsonObject(positions))
              .isEqualTo(
                  new JsonObject()
                      .put("Bank0MSP", "-75")
                      .put("Bank1MSP", "40")
                      .put("Bank2MSP", "35"));
        }
      } finally {
        banks.forEach(MemberKit::close);
      }
    }
  }

  private static void obligation(
      List<MemberKit> banks, int debtor, int creditor, String id, String amount) throws Exception {
    banks
        .get(debtor)
        .gateway()
        .getNetwork("netting")
        .getContract("obligations")
        .submitTransaction(
            "record", id, "Bank" + debtor + "MSP", "Bank" + creditor + "MSP", "EUR", amount);
    banks
        .get(creditor)
        .gateway()
        .getNetwork("netting")
        .getContract("obligations")
        .submitTransaction("accept", id);
  }
}
