package io.patchwork.manager;

import static io.patchwork.manager.ManagerFixture.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.node.cluster.AssetChaincodeServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Network;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockchainInfo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ledger made through the API from an existing channel's config block and blocks — here a
 * Patchwork ledger's, whose blocks are Fabric's — has the channel's organisations under the same
 * MSP ids, trusts their CAs, starts with the channel's world state, and the identities the members
 * already hold submit on it through the official Gateway client. What is not a usable config block,
 * blocks that are not the channel's chain, or parties that are not the channel's, are refused
 * before anything is made.
 */
@Tag("cluster")
class FabricImportApiTest {
  @TempDir Path directory;

  @Test
  void a_ledger_made_from_a_channel_config_block_takes_the_members_existing_identities()
      throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory);
        MemberKit bankA = new MemberKit("Bank A", "BankAMSP");
        AssetChaincodeServer assets = AssetChaincodeServer.start("assets")) {
      String assetsPackage =
          Base64.getEncoder()
              .encodeToString(Files.readAllBytes(assets.ccaasPackage(directory, "assets_1.0")));
      JsonObject trade =
          new JsonObject()
              .put("name", "trade")
              .put("template", "payments-netting")
              .put(
                  "parties",
                  new JsonArray()
                      .add(party("Bank A", "BankAMSP"))
                      .add(party("Bank B", "BankBMSP")));
      assertThat(manager.post("/ledgers", trade.encode()).statusCode()).isEqualTo(201);
      manager.awaitStatus("trade", "ACTIVE", Duration.ofSeconds(60));
      HttpResponse<String> invited =
          manager.post(
              "/ledgers/trade/invites", new JsonObject().put("mspId", "BankAMSP").encode());
      HttpResponse<String> redeemed =
          manager.send(
              "POST",
              "/ledgers/trade/invites/redeem",
              bankA.redeemRequest(new JsonObject(invited.body()).getString("token")),
              java.util.Optional.empty());
      assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
      bankA.redeemed(new JsonObject(redeemed.body()));
      Network tradeNetwork = bankA.gateway().getNetwork("trade");
      tradeNetwork
          .getContract("obligations")
          .submitTransaction("record", "iou-1", "BankAMSP", "BankBMSP", "EUR", "125");
      // The channel's blocks, as a member reads them from its peer (qscc, with validation codes).
      Contract qscc = tradeNetwork.getContract("qscc");
      long height =
          BlockchainInfo.parseFrom(qscc.evaluateTransaction("GetChainInfo", "trade")).getHeight();
      JsonArray blocks = new JsonArray();
      for (long number = 0; number < height; number++) {
        blocks.add(
            Base64.getEncoder()
                .encodeToString(
                    qscc.evaluateTransaction("GetBlockByNumber", "trade", Long.toString(number))));
      }
      HttpResponse<byte[]> genesis = manager.getBytes("/ledgers/trade/genesis");
      assertThat(genesis.statusCode()).isEqualTo(200);
      String block = Base64.getEncoder().encodeToString(genesis.body());

      // Refused up front, nothing made: not base64, not a block, not a config block, parties that
      // are not the channel's.
      assertError(
          manager.post("/ledgers", moved().put("fabricConfigBlock", "not base64!").encode()),
          400,
          "MALFORMED_REQUEST");
      for (byte[] notAConfigBlock :
          List.of(
              "a config block".getBytes(StandardCharsets.UTF_8),
              Block.getDefaultInstance().toByteArray())) {
        assertError(
            manager.post(
                "/ledgers",
                moved()
                    .put("fabricConfigBlock", Base64.getEncoder().encodeToString(notAConfigBlock))
                    .encode()),
            422,
            "NOT_A_FABRIC_CONFIG_BLOCK");
      }
      HttpResponse<String> missingB =
          manager.post(
              "/ledgers",
              moved()
                  .put("fabricConfigBlock", block)
                  .put(
                      "parties",
                      new JsonArray()
                          .add(party("Bank A", "BankAMSP"))
                          .add(party("Bank C", "BankCMSP")))
                  .encode());
      assertError(missingB, 400, "INVALID_PARTIES");
      assertThat(missingB.body()).contains("BankCMSP").contains("BankBMSP is missing");
      JsonArray gap = blocks.copy();
      gap.remove(0);
      HttpResponse<String> notAChain =
          manager.post(
              "/ledgers",
              moved().put("fabricConfigBlock", block).put("fabricBlocks", gap).encode());
      assertError(notAChain, 422, "INVALID_FABRIC_BLOCKS");
      assertThat(notAChain.body()).contains("not the chain from block 0");
      assertError(
          manager.post("/ledgers", moved().put("fabricBlocks", blocks).encode()),
          400,
          "MALFORMED_REQUEST");
      assertError(
          manager.post(
              "/ledgers",
              moved()
                  .put("fabricConfigBlock", block)
                  .put(
                      "chaincode", new JsonArray().add(chaincode("assets", "bm90IGEgcGFja2FnZQ==")))
                  .encode()),
          422,
          "INVALID_CHAINCODE_PACKAGE");
      assertError(
          manager.post(
              "/ledgers",
              moved()
                  .put("fabricConfigBlock", block)
                  .put("chaincode", new JsonArray().add(chaincode("obligations", assetsPackage)))
                  .encode()),
          422,
          "INVALID_CHAINCODE_PACKAGE");
      assertThat(manager.get("/ledgers/moved").statusCode()).isEqualTo(404);

      // Made from the block: the channel's organisations, named as the request names them.
      HttpResponse<String> created =
          manager.post(
              "/ledgers",
              moved()
                  .put("fabricConfigBlock", block)
                  .put("fabricBlocks", blocks)
                  .put("chaincode", new JsonArray().add(chaincode("assets", assetsPackage)))
                  .put(
                      "parties",
                      new JsonArray()
                          .add(party("Bank B plc", "BankBMSP"))
                          .add(party("Bank A plc", "BankAMSP")))
                  .encode());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      JsonObject active = manager.awaitStatus("moved", "ACTIVE", Duration.ofSeconds(60));
      assertThat(
              active.getJsonArray("parties").stream().map(p -> ((JsonObject) p).getString("mspId")))
          .containsExactlyInAnyOrder("BankAMSP", "BankBMSP");

      // Bank A's client identity from the first ledger, unchanged, submits on the new one.
      JsonObject profile =
          new JsonObject(manager.get("/ledgers/moved/connection-profile?mspId=BankAMSP").body());
      String peer = profile.getJsonArray("peers").getJsonObject(0).getString("endpoint");
      Contract obligations =
          bankA.gatewayTo(profile, peer).getNetwork("moved").getContract("obligations");
      // The channel's state came along: the obligation recorded on it is there from block 0.
      assertThat(
              new String(obligations.evaluateTransaction("get", "iou-1"), StandardCharsets.UTF_8))
          .contains("\"amount\":\"125\"");
      obligations.submitTransaction("record", "iou-2", "BankAMSP", "BankBMSP", "EUR", "40");
      assertThat(
              new String(obligations.evaluateTransaction("get", "iou-2"), StandardCharsets.UTF_8))
          .contains("\"amount\":\"40\"");
      // Fabric chaincode of the official shim, pinned by its package and run by the hosted peers.
      Contract chaincode = bankA.gatewayTo(profile, peer).getNetwork("moved").getContract("assets");
      chaincode.submitTransaction("create", "a1", "BankA", "10");
      assertThat(new String(chaincode.evaluateTransaction("read", "a1"), StandardCharsets.UTF_8))
          .isEqualTo("10");
      assertThat(new String(chaincode.evaluateTransaction("whoami"), StandardCharsets.UTF_8))
          .isEqualTo("BankAMSP");
    }
  }

  private static JsonObject moved() {
    return new JsonObject().put("name", "moved").put("template", "payments-netting");
  }

  private static JsonObject chaincode(String name, String ccaasPackage) {
    return new JsonObject().put("name", name).put("package", ccaasPackage);
  }

  private static JsonObject party(String organization, String mspId) {
    return new JsonObject().put("organization", organization).put("mspId", mspId);
  }
}
