package io.patchwork.manager.api;

import static io.patchwork.manager.ManagerFixture.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.manager.ManagerFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger API over real HTTP, with the embedded registry and real nodes. */
@Tag("cluster")
class LedgerApiTest {
  @TempDir Path directory;

  private ManagerFixture manager;

  @BeforeEach
  void start() throws Exception {
    manager = ManagerFixture.start(directory);
  }

  @AfterEach
  void stop() {
    manager.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return manager.get(path);
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return manager.post(path, body);
  }

  private static String request(String name, int parties, String overrides) {
    JsonArray list = new JsonArray();
    for (int i = 0; i < parties; i++) {
      list.add(new JsonObject().put("organization", "Bank " + i).put("mspId", "Bank" + i + "MSP"));
    }
    return new JsonObject()
        .put("name", name)
        .put("template", "payments-netting")
        .put("parties", list)
        .put("overrides", new JsonObject(overrides))
        .encode();
  }

  @Test
  void a_ledger_is_created_from_a_template_and_becomes_active_with_its_nodes() throws Exception {
    HttpResponse<String> created =
        post("/ledgers", request("trade", 3, "{\"topology.orderers\": 1}"));

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().firstValue("location")).contains("/ledgers/trade");
    assertThat(new JsonObject(created.body()).getString("status")).isEqualTo("PROVISIONING");

    JsonObject ledger = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      ledger = new JsonObject(get("/ledgers/trade").body());
      if (!ledger.getString("status").equals("PROVISIONING")) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(ledger.getString("status")).as(ledger.encode()).isEqualTo("ACTIVE");
    JsonArray nodes = ledger.getJsonArray("nodes");
    assertThat(nodes).hasSize(4);
    assertThat(nodes.getJsonObject(0).getString("kind")).isEqualTo("orderer");
    assertThat(new JsonObject(get("/ledgers").body()).getJsonArray("ledgers")).hasSize(1);
    assertThat(Files.isDirectory(directory.resolve("ledgers/trade/nodes"))).isTrue();
    String leader =
        "patchwork_raft_leader{kind=\"orderer\",ledger=\"trade\",node=\"orderer0\"} 1.0";
    // Gauges must keep reading their nodes after a collection (a weakly held view reads NaN).
    System.gc();
    String metrics = get("/metrics").body();
    // The single orderer elects itself about a second after it starts.
    for (int i = 0; i < 150 && !metrics.contains(leader); i++) {
      Thread.sleep(100);
      metrics = get("/metrics").body();
    }
    assertThat(metrics)
        .contains("patchwork_node_height{kind=\"peer\",ledger=\"trade\",node=\"peer0\"} 1.0")
        .contains(leader)
        .contains("jvm_memory_used_bytes", "jvm_threads_live_threads", "process_uptime_seconds")
        .contains(
            "patchwork_http_requests_seconds_count{method=\"GET\",route=\"/ledgers/:id\",status=\"200\"}")
        .doesNotContain("NaN");
    // Every metric the shipped alert rules watch is one this service exposes.
    Matcher watched =
        Pattern.compile("patchwork_[a-z_]+")
            .matcher(Files.readString(Path.of("../ops/prometheus/patchwork-alerts.yml")));
    int rules = 0;
    while (watched.find()) {
      rules++;
      assertThat(metrics).as(watched.group()).contains("\n" + watched.group() + "{");
    }
    assertThat(rules).isGreaterThanOrEqualTo(4);
    // One audit line per request, with the caller, never its token (tests log to data/ here).
    String log = Files.readString(Path.of("data", "patchwork.log"));
    assertThat(log)
        .contains(
            "{\"event\":\"api.request\"},{\"method\":\"GET\"},{\"path\":\"\\/ledgers\\/trade\"},"
                + "{\"route\":\"\\/ledgers\\/:id\"},{\"status\":\"200\"}")
        .contains("{\"caller\":\"operator\"}")
        .doesNotContain(manager.operatorToken());

    // A member's connection profile as it stands: the operator names the member.
    HttpResponse<String> profile = get("/ledgers/trade/connection-profile?mspId=Bank1MSP");
    assertThat(profile.statusCode()).as(profile.body()).isEqualTo(200);
    JsonObject shown = new JsonObject(profile.body());
    assertThat(shown.getString("mspId")).isEqualTo("Bank1MSP");
    assertThat(shown.getJsonArray("peers").getJsonObject(0).getString("mspId"))
        .isEqualTo("Bank1MSP");
    assertThat(shown.getJsonArray("orderers")).hasSize(1);
    HttpResponse<String> unnamed = get("/ledgers/trade/connection-profile");
    assertThat(unnamed.statusCode()).isEqualTo(400);
    assertThat(unnamed.body()).contains("MALFORMED_REQUEST").contains("mspId");
    HttpResponse<String> stranger = get("/ledgers/trade/connection-profile?mspId=NoSuchMSP");
    assertThat(stranger.statusCode()).isEqualTo(400);
    assertThat(stranger.body()).contains("NOT_A_MEMBER");
    assertThat(get("/ledgers/nothing/connection-profile?mspId=Bank1MSP").statusCode())
        .isEqualTo(404);
  }

  @Test
  void the_ledger_routes_are_in_the_openapi_document() throws Exception {
    String document = get("/openapi.yaml").body();

    assertThat(manager.manager().apiPaths()).contains("/ledgers", "/ledgers/{id}", "/metrics");
    for (String path : manager.manager().apiPaths()) {
      assertThat(document).as(path).contains("\n  " + path + ":\n");
    }
  }

  @Test
  void bad_requests_get_specific_errors_and_leave_nothing_behind() throws Exception {
    assertError(post("/ledgers", "not json"), 400, "MALFORMED_REQUEST");
    assertError(
        post("/ledgers", request("trade", 3, "{}").replace("payments-netting", "casino")),
        400,
        "UNKNOWN_TEMPLATE");
    assertError(post("/ledgers", request("trade", 1, "{}")), 400, "INVALID_PARTIES");
    assertError(
        post("/ledgers", request("trade", 3, "{\"voting.thresholdPercent\": 10}")),
        400,
        "INVALID_OVERRIDES");
    assertError(post("/ledgers", request("Trade!", 3, "{}")), 400, "INVALID_NAME");
    String twice =
        new JsonObject(request("trade", 2, "{}"))
            .put(
                "parties",
                new JsonArray()
                    .add(new JsonObject().put("organization", "A").put("mspId", "AMSP"))
                    .add(new JsonObject().put("organization", "B").put("mspId", "AMSP")))
            .encode();
    assertError(post("/ledgers", twice), 400, "INVALID_PARTIES");

    HttpResponse<String> mistyped =
        post(
            "/ledgers",
            new JsonObject(request("trade", 3, "{}"))
                .put("parties", new JsonArray().add(new JsonObject().put("mspId", 5)))
                .encode());
    assertError(mistyped, 400, "MALFORMED_REQUEST");
    assertThat(
            new JsonObject(mistyped.body())
                .getJsonArray("errors")
                .getJsonObject(0)
                .getString("path"))
        .isEqualTo("parties[0].mspId");

    assertThat(new JsonObject(get("/ledgers").body()).getJsonArray("ledgers")).isEmpty();
    assertThat(Files.exists(directory.resolve("ledgers"))).isFalse();
    assertError(get("/ledgers/trade"), 404, "LEDGER_NOT_FOUND");
  }

  @Test
  void a_ledger_that_cannot_be_provisioned_is_failed_with_its_reason_and_leaves_nothing()
      throws Exception {
    // A file where the ledgers' directory belongs: the nodes' files cannot be written.
    Files.writeString(directory.resolve("ledgers"), "in the way");

    assertThat(post("/ledgers", request("broken", 2, "{\"topology.orderers\": 1}")).statusCode())
        .isEqualTo(201);

    JsonObject ledger = manager.awaitStatus("broken", "FAILED", Duration.ofSeconds(60));
    assertThat(ledger.getString("failure")).isNotBlank();
    assertThat(ledger.containsKey("nodes")).isFalse();
    assertThat(Files.exists(directory.resolve("ca-keys/broken.p12"))).isFalse();
    assertThat(manager.manager().ledgers().running("broken")).isEmpty();
    assertError(
        post("/ledgers/broken/invites", new JsonObject().put("mspId", "Bank0MSP").encode()),
        409,
        "LEDGER_NOT_ACTIVE");
  }

  @Test
  void a_second_ledger_with_the_same_name_is_a_conflict() throws Exception {
    assertThat(post("/ledgers", request("trade", 2, "{\"topology.orderers\": 1}")).statusCode())
        .isEqualTo(201);

    assertError(post("/ledgers", request("trade", 2, "{}")), 409, "DUPLICATE_NAME");
  }
}
