package io.patchwork.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Pem;
import io.patchwork.ca.ServiceIdentity;
import io.patchwork.manager.api.ApiTls;
import io.patchwork.node.api.NodeAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two manager instances in a Hazelcast cluster over one PostgreSQL registry: instance A runs as its
 * own process, B in this JVM. A ledger A creates is served by B too; when A is killed (SIGKILL), B
 * takes its peers over from the ledger's custody in the registry, and they catch up to at least
 * where they were; A's orderer is down meanwhile. The API is HTTPS with one authority for both
 * instances' certificates, so B's forwarding to A checks A's certificate and host. Skipped with a
 * message when no PostgreSQL answers.
 */
@Tag("cluster")
class ClusterTest {
  private static final String PASSPHRASE = "cluster test passphrase";

  @TempDir Path directory;
  private HttpClient http = HttpClient.newHttpClient();

  /** TLS that trusts {@code authority}, presenting {@code identity}'s certificate if given. */
  private static SSLContext tls(X509Certificate authority, Optional<ServiceIdentity> identity)
      throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("api", authority);
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    KeyManager[] keys = null;
    if (identity.isPresent()) {
      KeyStore own = KeyStore.getInstance("PKCS12");
      own.load(null, null);
      own.setKeyEntry(
          "instance",
          identity.get().key(),
          new char[0],
          new X509Certificate[] {identity.get().certificate(), authority});
      KeyManagerFactory keyFactory =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keyFactory.init(own, new char[0]);
      keys = keyFactory.getKeyManagers();
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys, factory.getTrustManagers(), null);
    return context;
  }

  /**
   * Whether a TLS client gets through to the event bus at {@code port} and exchanges a byte's worth
   * of traffic: the bus answers a handshake only from a holder of the instances' certificate.
   */
  private static boolean eventBusAccepts(SSLContext context, int port) {
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(3_000);
      socket.startHandshake();
      // With TLS 1.3 a refused client certificate shows at the first read after the handshake.
      socket.getOutputStream().write(new byte[] {0, 0, 0, 0});
      socket.getOutputStream().flush();
      socket.getInputStream().read();
      return true;
    } catch (SocketTimeoutException waiting) {
      // Connected and waiting for a frame: the handshake went through.
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  @Test
  void another_instance_serves_a_ledger_and_takes_it_over_when_its_instance_is_killed()
      throws Exception {
    Optional<String> created = ClusterSupport.createSchema("cluster_test");
    assumeTrue(
        created.isPresent(),
        "no PostgreSQL at " + ClusterSupport.POSTGRES_URL + "; cluster test skipped");
    String schema = created.get();
    String registry = ClusterSupport.registryUrl(schema);
    // As a cluster is deployed: HTTPS, every instance's certificate from one authority.
    ClusterSupport.Certificates certificates = ClusterSupport.Certificates.issue(directory);
    ServiceIdentity api = certificates.identity();
    Path certificate = certificates.certificate();
    Path key = certificates.key();
    Path authority = certificates.authority();
    http = certificates.client();
    int hazelcastA = ManagerProcess.listenPort();
    int hazelcastB = ManagerProcess.listenPort();
    int busA = ManagerProcess.listenPort();
    int busB = ManagerProcess.listenPort();
    int apiA = ManagerProcess.listenPort();
    List<String> members = List.of("127.0.0.1:" + hazelcastA, "127.0.0.1:" + hazelcastB);
    ManagerProcess a = null;
    Manager b = null;
    try {
      a =
          ManagerProcess.start(
              Map.of(
                  "PATCHWORK_DATA_DIR", directory.toString(),
                  "PATCHWORK_DATABASE_URL", registry,
                  "PATCHWORK_CA_PASSPHRASE", PASSPHRASE,
                  "PATCHWORK_CLUSTER_PORT", Integer.toString(hazelcastA),
                  "PATCHWORK_CLUSTER_BUS_PORT", Integer.toString(busA),
                  "PATCHWORK_CLUSTER_MEMBERS", String.join(",", members),
                  "PATCHWORK_TLS_CERT", certificate.toString(),
                  "PATCHWORK_TLS_KEY", key.toString(),
                  "PATCHWORK_TLS_CA", authority.toString()),
              apiA,
              directory.resolve("instance-a.out"));
      String urlA = a.url();
      assertThat(urlA).startsWith("https://");
      b =
          Manager.start(
              new Manager.Settings(
                  directory,
                  "127.0.0.1",
                  0,
                  Optional.of(registry),
                  Passphrase.of(PASSPHRASE.toCharArray()),
                  Optional.of(new Manager.Cluster("127.0.0.1", hazelcastB, busB, members)),
                  NodeAddresses.loopback(),
                  Optional.of(ApiTls.fromFiles(certificate, key, Optional.of(authority)))));
      String token =
          Files.readString(
                  directory.resolve(Manager.OPERATOR_TOKEN_FILE), StandardCharsets.US_ASCII)
              .strip();

      JsonArray parties = new JsonArray();
      for (int i = 0; i < 4; i++) {
        parties.add(
            new JsonObject().put("organization", "Bank " + i).put("mspId", "Bank" + i + "MSP"));
      }
      HttpResponse<String> made =
          send(
              "POST",
              urlA + "/ledgers",
              token,
              new JsonObject()
                  .put("name", "shared")
                  .put("template", "payments-netting")
                  .put("parties", parties)
                  .encode());
      assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
      // The PostgreSQL registry is reached through a bounded HikariCP pool, seen in the metrics.
      assertThat(send("GET", urlA + "/metrics", token, null).body())
          .contains("hikaricp_connections_max{pool=\"patchwork-registry\"} 10.0");

      // The event bus between instances takes only holders of the instances' certificate.
      assertThat(eventBusAccepts(tls(api.authority(), Optional.of(api)), busB)).isTrue();
      assertThat(eventBusAccepts(tls(api.authority(), Optional.empty()), busB)).isFalse();

      // A member's token revoked on B stops working on A at once, though A had it cached.
      String member = b.tokens().issueMemberAdmin("shared", "Bank1MSP", "01").token();
      assertThat(send("GET", urlA + "/ledgers", member, null).statusCode()).isEqualTo(200);
      long revokedAt = System.nanoTime();
      b.tokens().revokeMember("shared", "Bank1MSP");
      while (send("GET", urlA + "/ledgers", member, null).statusCode() == 200) {
        assertThat(Duration.ofNanos(System.nanoTime() - revokedAt))
            .as("A still took the revoked token")
            .isLessThan(Duration.ofSeconds(5));
        Thread.sleep(20);
      }
      assertThat(send("GET", urlA + "/ledgers", member, null).body()).contains("INVALID_TOKEN");

      // B answers for the ledger A runs: its nodes and heights come from A.
      JsonObject seen = awaitNodes(b.url(), token, Duration.ofSeconds(120));
      assertThat(seen.getString("status")).isEqualTo("ACTIVE");
      assertThat(b.ledgers().running("shared")).isEmpty();
      JsonArray before = seen.getJsonArray("nodes");
      assertThat(before).hasSize(7);
      // Its three orderers are spread over both instances: B runs one, from its own directory.
      assertThat(
              before.stream()
                  .map(JsonObject.class::cast)
                  .filter(node -> node.getString("kind").equals("orderer"))
                  .map(node -> node.getString("instance"))
                  .distinct())
          .hasSize(2);

      // A member admin signs in with its certificate at B; B passes the request, with the
      // certificate, to A, which runs the ledger and checks it there.
      List<String> atB = List.of("--url", b.url(), "--ca-file", authority.toString());
      String invite = cli(atB, token, "invite", "shared", "Bank1MSP");
      Matcher issued = Pattern.compile("(pwi_\\S+)").matcher(invite);
      assertThat(issued.find()).as(invite).isTrue();
      Path bank1 = directory.resolve("bank1");
      cli(
          atB,
          null,
          "join",
          "shared",
          "--invite",
          issued.group(1),
          "--organization",
          "Bank 1",
          "--msp-id",
          "Bank1MSP",
          "--out",
          bank1.toString());
      String shownAtB =
          cli(
              atB,
              null,
              "ledger",
              "shared",
              "--client-cert",
              bank1.resolve("admin/msp").toString());
      assertThat(shownAtB).contains("shared: ACTIVE");
      // Sent to A by anyone but an instance, the certificate header counts for nothing.
      HttpResponse<String> forged =
          http.send(
              HttpRequest.newBuilder(URI.create(urlA + "/ledgers/shared"))
                  .header(
                      "x-patchwork-client-certificate",
                      Base64.getEncoder()
                          .encodeToString(
                              Pem.readCertificates(
                                      Files.readString(
                                          bank1.resolve("admin/msp/signcerts/cert.pem")))
                                  .get(0)
                                  .getEncoded()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(forged.statusCode()).isEqualTo(401);
      assertThat(forged.body()).contains("CLIENT_CERTIFICATE_REFUSED");

      a.kill();

      // Once the cluster sees A gone, B claims the ledger and runs its nodes from the shared files.
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (b.ledgers().running("shared").isEmpty()) {
        assertThat(System.nanoTime()).as("B did not take the ledger over").isLessThan(deadline);
        Thread.sleep(200);
      }
      // Its peers now run on B (taken over from the ledger's custody, on B's ports) and catch up
      // from the orderers to at least where they were; A's orderer shows as not answering.
      long caughtUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        JsonObject after = awaitNodes(b.url(), token, Duration.ofSeconds(30));
        assertThat(after.getString("status")).isEqualTo("ACTIVE");
        Map<String, JsonObject> byId = new HashMap<>();
        after
            .getJsonArray("nodes")
            .forEach(n -> byId.put(((JsonObject) n).getString("id"), (JsonObject) n));
        assertThat(byId.keySet())
            .containsExactlyInAnyOrderElementsOf(
                before.stream().map(n -> ((JsonObject) n).getString("id")).toList());
        boolean done = true;
        for (Object shown : before) {
          JsonObject was = (JsonObject) shown;
          JsonObject now = byId.get(was.getString("id"));
          if (was.getString("kind").equals("peer")) {
            assertThat(now.getString("instance")).isEqualTo(b.ledgers().instance());
            done &= now.getLong("height") >= was.getLong("height");
          } else if (!was.getString("instance").equals(b.ledgers().instance())) {
            assertThat(now.getBoolean("reachable", true)).as(now.encode()).isFalse();
          }
        }
        if (done) {
          break;
        }
        assertThat(System.nanoTime()).as("B's peers catch up: " + after).isLessThan(caughtUp);
        Thread.sleep(500);
      }
    } finally {
      if (a != null) {
        a.kill();
      }
      if (b != null) {
        b.close();
      }
      ClusterSupport.dropSchema(schema);
    }
  }

  /** Runs the command line client, with the token in a file if given; fails unless it succeeds. */
  private String cli(List<String> connection, String token, String... args) throws IOException {
    List<String> all = new ArrayList<>(connection);
    if (token != null) {
      Path file = Files.createTempFile(directory, "token", "");
      Files.writeString(file, token);
      all.addAll(List.of("--token-file", file.toString()));
    }
    return Cli.ok(all, args);
  }

  /** Polls the ledger through {@code base} until it shows its nodes. */
  private JsonObject awaitNodes(String base, String token, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> shown = send("GET", base + "/ledgers/shared", token, null);
      last = shown.statusCode() + " " + shown.body();
      if (shown.statusCode() == 200) {
        JsonObject ledger = new JsonObject(shown.body());
        if ("ACTIVE".equals(ledger.getString("status")) && ledger.containsKey("nodes")) {
          return ledger;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the ledger did not show its nodes through " + base + ": " + last);
  }

  private HttpResponse<String> send(String method, String url, String token, String body)
      throws IOException, InterruptedException {
    return ClusterSupport.send(http, method, url, token, body);
  }
}
