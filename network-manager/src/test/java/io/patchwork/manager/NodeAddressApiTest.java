package io.patchwork.manager;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.node.api.NodeAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hyperledger.fabric.client.Contract;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manager configured with its nodes' address (PATCHWORK_NODE_BIND / PATCHWORK_NODE_HOST) gives
 * members that address everywhere: the ledger view, the connection profile, and a gateway that
 * checks the peer's certificate against it. 127.0.0.2 stands for the machine's own interface.
 */
@Tag("cluster")
class NodeAddressApiTest {
  private static final String ADDRESS = "127.0.0.2";

  @TempDir Path directory;

  @Test
  void members_get_the_advertised_address_in_the_ledger_view_and_their_connection_profile()
      throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory, NodeAddresses.at(ADDRESS));
        MemberKit bank0 = new MemberKit("Bank 0", "Bank0MSP")) {
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
                  .encode());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      JsonObject active = manager.awaitStatus("trade", "ACTIVE", Duration.ofSeconds(120));
      assertThat(endpoints(active.getJsonArray("nodes"), "endpoint"))
          .isNotEmpty()
          .allMatch(endpoint -> endpoint.startsWith(ADDRESS + ":"), "on " + ADDRESS);

      String token =
          new JsonObject(
                  manager
                      .post(
                          "/ledgers/trade/invites",
                          new JsonObject().put("mspId", "Bank0MSP").encode())
                      .body())
              .getString("token");
      HttpResponse<String> redeemed =
          manager.send(
              "POST",
              "/ledgers/trade/invites/redeem",
              bank0.redeemRequest(token),
              Optional.empty());
      assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
      bank0.redeemed(new JsonObject(redeemed.body()));
      JsonObject profile = bank0.redemption().getJsonObject("connectionProfile");
      List<String> reached = new ArrayList<>(endpoints(profile.getJsonArray("peers"), "endpoint"));
      reached.addAll(endpoints(profile.getJsonArray("orderers"), "endpoint"));
      assertThat(reached)
          .isNotEmpty()
          .allMatch(endpoint -> endpoint.startsWith(ADDRESS + ":"), "on " + ADDRESS);

      Contract obligations = bank0.gateway().getNetwork("trade").getContract("obligations");
      obligations.submitTransaction("record", "iou-1", "Bank0MSP", "Bank1MSP", "EUR", "5");
      assertThat(
              new String(obligations.evaluateTransaction("get", "iou-1"), StandardCharsets.UTF_8))
          .contains("\"amount\":\"5\"");
    }
  }

  private static List<String> endpoints(JsonArray nodes, String field) {
    List<String> endpoints = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      endpoints.add(nodes.getJsonObject(i).getString(field));
    }
    return endpoints;
  }
}
