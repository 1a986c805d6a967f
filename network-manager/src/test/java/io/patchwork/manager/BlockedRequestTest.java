package io.patchwork.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.patchwork.ca.Passphrase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One request blocked for seconds — here on a registry table another session holds locked, as a
 * slow database or a long vote would — does not hold up another client's requests: the API runs
 * unrelated blocking work side by side, not one after another. Skipped with a message when no
 * PostgreSQL answers.
 */
@Tag("cluster")
class BlockedRequestTest {
  @TempDir Path directory;

  @Test
  void a_request_blocked_on_the_registry_does_not_delay_another_clients_ledger_list()
      throws Exception {
    Optional<String> schema = ClusterSupport.createSchema("blocked_request_test");
    assumeTrue(
        schema.isPresent(),
        "no PostgreSQL at " + ClusterSupport.POSTGRES_URL + "; blocked request test skipped");
    HttpClient http = HttpClient.newHttpClient();
    try (Manager manager =
        Manager.start(
            new Manager.Settings(
                directory,
                "127.0.0.1",
                0,
                Optional.of(ClusterSupport.registryUrl(schema.get())),
                Passphrase.of("blocked request test".toCharArray())))) {
      String operator =
          Files.readString(manager.operatorTokenFile(), StandardCharsets.US_ASCII).strip();
      assertThat(get(http, manager, "/ledgers", operator).statusCode()).isEqualTo(200);

      // Another session locks the token table: a token the manager has not seen must wait.
      try (Connection lock = DriverManager.getConnection(ClusterSupport.POSTGRES_URL);
          Statement statement = lock.createStatement()) {
        lock.setAutoCommit(false);
        statement.execute("LOCK TABLE " + schema.get() + ".api_token IN ACCESS EXCLUSIVE MODE");
        CompletableFuture<HttpResponse<String>> blocked =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return get(http, manager, "/ledgers", "pwt_" + "b".repeat(43));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        Thread.sleep(1_000);
        assertThat(blocked).as("the unknown token's lookup waits for the lock").isNotDone();

        // The operator, whose token is known, lists ledgers meanwhile.
        HttpResponse<String> listed = get(http, manager, "/ledgers", operator);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(blocked).as("the list waited for the blocked request").isNotDone();

        lock.rollback();
        HttpResponse<String> refused = blocked.get(30, TimeUnit.SECONDS);
        assertThat(refused.statusCode()).isEqualTo(401);
      }
    } finally {
      ClusterSupport.dropSchema(schema.get());
    }
  }

  private static HttpResponse<String> get(
      HttpClient http, Manager manager, String path, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(manager.url() + path))
            .header("authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
