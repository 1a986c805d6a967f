package io.patchwork.manager;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service as its own process on embedded defaults, killed with SIGKILL and started again on the
 * same data directory: every ledger is ACTIVE again, its nodes at least as high as before.
 */
@Tag("cluster")
class RestartTest {
  @TempDir Path directory;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void a_killed_service_brings_every_ledger_back_with_its_blocks() throws Exception {
    Map<String, String> environment =
        Map.of(
            "PATCHWORK_DATA_DIR",
            directory.toString(),
            "PATCHWORK_CA_PASSPHRASE",
            "restart test passphrase");
    int port = ManagerProcess.freePort();
    JsonArray before;
    try (ManagerProcess first =
        ManagerProcess.start(environment, port, directory.resolve("first.out"))) {
      String token =
          Files.readString(
                  directory.resolve(Manager.OPERATOR_TOKEN_FILE), StandardCharsets.US_ASCII)
              .strip();
      for (String name : new String[] {"alpha", "beta"}) {
        JsonArray parties = new JsonArray();
        for (int i = 0; i < 3; i++) {
          parties.add(
              new JsonObject().put("organization", "Bank " + i).put("mspId", "Bank" + i + "MSP"));
        }
        HttpResponse<String> created =
            http.send(
                HttpRequest.newBuilder(URI.create(first.url() + "/ledgers"))
                    .header("authorization", "Bearer " + token)
                    .header("content-type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            new JsonObject()
                                .put("name", name)
                                .put("template", "supply-chain")
                                .put("parties", parties)
                                .encode()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      }
      await(first.url(), token, "alpha");
      before = await(first.url(), token, "beta").getJsonArray("nodes");
      first.kill();
    }

    try (ManagerProcess second =
        ManagerProcess.start(environment, port, directory.resolve("second.out"))) {
      String token =
          Files.readString(
                  directory.resolve(Manager.OPERATOR_TOKEN_FILE), StandardCharsets.US_ASCII)
              .strip();
      assertThat(Files.readString(directory.resolve("second.out")))
          .contains("ledgers brought back from disk: 2");
      await(second.url(), token, "alpha");
      JsonArray after = await(second.url(), token, "beta").getJsonArray("nodes");
      assertThat(after).hasSize(before.size());
      for (int i = 0; i < after.size(); i++) {
        assertThat(after.getJsonObject(i).getLong("height"))
            .as(after.getJsonObject(i).getString("id"))
            .isGreaterThanOrEqualTo(before.getJsonObject(i).getLong("height"));
      }
    }
  }

  private JsonObject await(String base, String token, String ledger) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonObject shown = null;
    while (System.nanoTime() < deadline) {
      shown =
          new JsonObject(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + "/ledgers/" + ledger))
                          .header("authorization", "Bearer " + token)
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
      if ("ACTIVE".equals(shown.getString("status")) && shown.containsKey("nodes")) {
        return shown;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(ledger + " is not ACTIVE with its nodes: " + shown);
  }
}
