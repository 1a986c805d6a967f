package io.patchwork.manager;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.ca.Passphrase;
import io.patchwork.node.api.NodeAddresses;
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
import java.util.Optional;

/**
 * A network manager on a temporary data directory with the embedded registry, and an HTTP client
 * that calls its API as the operator (or as whoever's token it is given). Tests close it; {@link
 * #restart} stops it and starts it again on the same data.
 */
public final class ManagerFixture implements AutoCloseable {
  private final Path directory;
  private final HttpClient http = HttpClient.newHttpClient();
  private Manager manager;
  private String operatorToken;

  private final NodeAddresses nodes;
  private final CertificatePolicy certificates;

  private ManagerFixture(Path directory, NodeAddresses nodes, CertificatePolicy certificates) {
    this.directory = directory;
    this.nodes = nodes;
    this.certificates = certificates;
  }

  public static ManagerFixture start(Path directory) throws Exception {
    return start(directory, NodeAddresses.loopback());
  }

  /** A manager whose ledger nodes listen on and are reached at {@code nodes}. */
  public static ManagerFixture start(Path directory, NodeAddresses nodes) throws Exception {
    ManagerFixture fixture = new ManagerFixture(directory, nodes, CertificatePolicy.DEFAULT);
    fixture.open();
    return fixture;
  }

  /** A manager whose ledgers' certificates last and are renewed as {@code certificates} says. */
  public static ManagerFixture start(Path directory, CertificatePolicy certificates)
      throws Exception {
    ManagerFixture fixture = new ManagerFixture(directory, NodeAddresses.loopback(), certificates);
    fixture.open();
    return fixture;
  }

  private void open() throws Exception {
    manager =
        Manager.start(
            new Manager.Settings(
                directory,
                "127.0.0.1",
                0,
                Optional.empty(),
                Passphrase.of("manager tests".toCharArray()),
                Optional.empty(),
                nodes,
                Optional.empty(),
                certificates));
    operatorToken =
        Files.readString(manager.operatorTokenFile(), StandardCharsets.US_ASCII).strip();
  }

  /** Stops the manager (API, ledgers, registry) and starts it again on the same data directory. */
  public void restart() throws Exception {
    manager.close();
    open();
  }

  public Manager manager() {
    return manager;
  }

  public String operatorToken() {
    return operatorToken;
  }

  public HttpResponse<String> get(String path) throws Exception {
    return send("GET", path, null, Optional.of(operatorToken));
  }

  /** A binary resource, as the operator. */
  public HttpResponse<byte[]> getBytes(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(manager.url() + path))
            .header("authorization", "Bearer " + operatorToken)
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  public HttpResponse<String> post(String path, String body) throws Exception {
    return send("POST", path, body, Optional.of(operatorToken));
  }

  /** A request as the holder of {@code token}, or without credentials when it is empty. */
  public HttpResponse<String> send(String method, String path, String body, Optional<String> token)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(manager.url() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("content-type", "application/json");
    }
    token.ifPresent(t -> request.header("authorization", "Bearer " + t));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Asks for a {@code payments-netting} ledger of {@code parties} with one orderer, as the
   * operator, and checks it was accepted (201, PROVISIONING); {@link #awaitStatus} follows it.
   */
  public void createNetting(String name, JsonArray parties) throws Exception {
    HttpResponse<String> created =
        post(
            "/ledgers",
            new JsonObject()
                .put("name", name)
                .put("template", "payments-netting")
                .put("parties", parties)
                .put("overrides", new JsonObject().put("topology.orderers", "1"))
                .encode());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
  }

  /** Waits for the ledger to leave PROVISIONING and checks it became {@code status}. */
  public JsonObject awaitStatus(String ledger, String status, Duration timeout) throws Exception {
    JsonObject shown = null;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      shown = new JsonObject(get("/ledgers/" + ledger).body());
      if (!"PROVISIONING".equals(shown.getString("status"))) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(shown.getString("status")).as(shown.encode()).isEqualTo(status);
    return shown;
  }

  public static void assertError(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(new JsonObject(response.body()).getString("code"))
        .as(response.body())
        .isEqualTo(code);
  }

  @Override
  public void close() {
    if (manager != null) {
      manager.close();
    }
  }
}
