package io.patchwork.manager;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.patchwork.manager.api.ApiTls;
import io.patchwork.manager.ledger.LedgerStatus;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.NodeAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One ledger's orderers across three manager instances, each with a data directory of its own (no
 * shared files) and one PostgreSQL registry: each instance runs one of the three orderers, keeps
 * its credentials and data itself, and the creating instance holds no key of the others'. With one
 * instance stopped the ledger commits on the other two; started again, that instance's orderer
 * comes back from its own files and catches up. Skipped with a message when no PostgreSQL answers.
 */
@Tag("cluster")
class PlacementTest {
  private static final String PASSPHRASE = "placement test passphrase";

  @TempDir Path directory;

  private HttpClient http;

  @Test
  void a_ledgers_orderers_run_on_three_instances_and_it_commits_with_one_of_them_down()
      throws Exception {
    Optional<String> schema = ClusterSupport.createSchema("placement_test");
    assumeTrue(
        schema.isPresent(),
        "no PostgreSQL at " + ClusterSupport.POSTGRES_URL + "; placement test skipped");
    ClusterSupport.Certificates certificates = ClusterSupport.Certificates.issue(directory);
    http = certificates.client();
    List<Integer> hazelcast = new ArrayList<>();
    List<Integer> bus = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      hazelcast.add(ManagerProcess.listenPort());
      bus.add(ManagerProcess.listenPort());
    }
    List<String> members = hazelcast.stream().map(port -> "127.0.0.1:" + port).toList();
    Map<Integer, Manager> instances = new TreeMap<>();
    try {
      for (int i = 0; i < 3; i++) {
        instances.put(i, start(i, schema.get(), certificates, hazelcast, bus, members));
      }
      Manager a = instances.get(0);
      // (reassigned once the owner is restarted)
      String token = Files.readString(a.operatorTokenFile(), StandardCharsets.US_ASCII).strip();
      JsonArray parties = new JsonArray();
      for (int i = 0; i < 3; i++) {
        parties.add(
            new JsonObject().put("organization", "Bank " + i).put("mspId", "Bank" + i + "MSP"));
      }
      // An orderer that cannot start on its instance (a file where that instance keeps its
      // orderers) fails the ledger with the reason, and no instance keeps anything of it: the
      // instance placed last is blocked, so the other one has started its orderer by then.
      int last =
          instances.get(1).ledgers().instance().compareTo(instances.get(2).ledgers().instance()) > 0
              ? 1
              : 2;
      Path blocked =
          directory.resolve(
              "instance-" + last + "/instances/127.0.0.1_" + hazelcast.get(last) + "/orderers");
      Files.createDirectories(blocked.getParent());
      Files.writeString(blocked, "in the way");
      assertThat(
              send("POST", a.url() + "/ledgers", token, request("blocked", parties)).statusCode())
          .isEqualTo(201);
      JsonObject failed = awaitStatus(a.url(), token, "blocked");
      assertThat(failed.getString("status")).isEqualTo("FAILED");
      assertThat(failed.getString("failure")).contains("did not start here");
      assertThat(a.ledgers().placedElsewhere("blocked")).isEmpty();
      long gone = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      assertThat(satellites(3 - last)).isDirectory();
      while (Files.exists(satellites(3 - last).resolve("blocked"))) {
        assertThat(System.nanoTime()).as("C kept blocked's orderer").isLessThan(gone);
        Thread.sleep(100);
      }
      assertThat(directory.resolve("instance-0/ledgers/blocked")).doesNotExist();
      Files.delete(blocked);

      HttpResponse<String> made =
          send("POST", a.url() + "/ledgers", token, request("spread", parties));
      assertThat(made.statusCode()).as(made.body()).isEqualTo(201);

      // Each instance runs one orderer, and says so in the ledger view from any instance.
      JsonObject shown = awaitOrderers(instances.get(1).url(), token, node -> true);
      List<JsonObject> orderers = orderers(shown);
      assertThat(orderers).hasSize(3);
      assertThat(orderers.stream().map(o -> o.getString("instance")).distinct()).hasSize(3);
      assertThat(orderers).allSatisfy(o -> assertThat(o.getBoolean("reachable", true)).isTrue());

      // A holds no credentials of the orderers B and C run; they keep theirs in their own folders.
      // A runs its own orderer apart from the ledger's peers, as the others do.
      Path credentials = directory.resolve("instance-0/ledgers/spread/credentials");
      assertThat(credentials.resolve("peer0")).isDirectory();
      assertThat(credentials.resolve("orderer0")).doesNotExist();
      assertThat(credentials.resolve("orderer1")).doesNotExist();
      assertThat(credentials.resolve("orderer2")).doesNotExist();
      assertThat(satelliteOrderers(0)).containsExactly("orderer0");
      assertThat(satelliteOrderers(1)).hasSize(1);
      assertThat(satelliteOrderers(2)).hasSize(1);
      assertThat(Stream.concat(satelliteOrderers(1).stream(), satelliteOrderers(2).stream()))
          .containsExactlyInAnyOrder("orderer1", "orderer2");
      // What another instance needs to take the peers over is in the registry, sealed.
      assertThat(a.ledgers().registry().custody("spread")).isPresent();
      assertThat(new String(a.ledgers().registry().custody("spread").get().sealed(), ISO_8859_1))
          .doesNotContain("PRIVATE KEY")
          .doesNotContain("BEGIN CERTIFICATE");
      // Each instance reports the orderer it runs in its own metrics.
      for (int i = 1; i < 3; i++) {
        String orderer = satelliteOrderers(i).get(0);
        assertThat(send("GET", instances.get(i).url() + "/metrics", token, null).body())
            .contains(
                "patchwork_node_height{kind=\"orderer\",ledger=\"spread\",node=\""
                    + orderer
                    + "\"}");
      }

      // A member's application transacts through its peer on A.
      Path bank1 = joinBank1(a, token, certificates);
      assertThat(record(bank1, "iou-1")).startsWith("committed ");
      List<String> asOperator =
          List.of(
              "--url",
              a.url(),
              "--ca-file",
              certificates.authority().toString(),
              "--token-file",
              directory.resolve("operator-token").toString());
      assertThat(Cli.ok(asOperator, "ledger", "spread")).contains("on instance ");

      // With C stopped, its orderer is unreachable and A and B order on: two of three.
      String stoppedInstance = orderers.get(2).getString("instance");
      int stopped = indexOf(instances, stoppedInstance);
      instances.remove(stopped).close();
      assertThat(record(bank1, "iou-2")).startsWith("committed ");
      JsonObject withoutC =
          awaitOrderers(
              a.url(),
              token,
              node -> !node.getString("instance").equals(stoppedInstance) || !reachable(node));
      assertThat(orderers(withoutC).stream().filter(node -> !reachable(node))).hasSize(1);
      assertThat(Cli.ok(asOperator, "ledger", "spread")).contains("which does not answer");

      // Started again on its own directory, C brings its orderer back and it catches up.
      instances.put(stopped, start(stopped, schema.get(), certificates, hazelcast, bus, members));
      long height = a.ledgers().running("spread").orElseThrow().height();
      JsonObject again =
          awaitOrderers(
              a.url(), token, node -> reachable(node) && node.getLong("height", 0L) >= height);
      assertThat(orderers(again).stream().map(o -> o.getString("instance")).distinct()).hasSize(3);
      assertThat(record(bank1, "iou-3")).startsWith("committed ");

      // The owner lost, with its data directory: another instance takes the ledger's peers over
      // from the custody in the registry — on its own ports, new certificates, caught up from the
      // orderers — and records their new addresses in the config; the member fetches its profile
      // again and transacts through them.
      String owner = a.ledgers().instance();
      Path ownerPeers = directory.resolve("instance-0/ledgers/spread");
      instances.remove(0).close();
      JsonObject takenOver =
          awaitNodes(
              instances.get(1).url(),
              token,
              node ->
                  !node.getString("kind").equals("peer")
                      || !owner.equals(node.getString("instance")));
      String runner = nodes(takenOver, "peer").get(0).getString("instance");
      Manager running = instances.get(indexOf(instances, runner));
      Path moved = directory.resolve("instance-" + indexOf(instances, runner) + "/ledgers/spread");
      assertThat(moved.resolve("credentials/peer0")).isDirectory();
      try (Stream<Path> kept = Files.list(moved.resolve("credentials"))) {
        assertThat(kept.map(path -> path.getFileName().toString()))
            .noneMatch(name -> name.startsWith("orderer"));
      }
      HostedLedger runs = running.ledgers().running("spread").orElseThrow();
      long recorded = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (!configNamesRunningPeers(runs)) {
        assertThat(System.nanoTime()).as("peers' new addresses in the config").isLessThan(recorded);
        Thread.sleep(200);
      }
      String refreshed =
          Cli.ok(
              List.of(
                  "--url",
                  running.url(),
                  "--ca-file",
                  certificates.authority().toString(),
                  "--token-file",
                  bank1.resolve("api-token").toString()),
              "connection-profile",
              "spread",
              "--out",
              bank1.resolve("connection-profile.json").toString());
      assertThat(refreshed).contains("127.0.0.1:");
      assertThat(record(bank1, "iou-4")).startsWith("committed ");
      assertThat(GatewayProbe.call(bank1, "evaluate", "obligations", "get", "iou-1"))
          .contains("iou-1");

      // The old owner back: it runs its orderer again (apart from the peers) and leaves the
      // peers to the instance that took them over.
      instances.put(0, start(0, schema.get(), certificates, hazelcast, bus, members));
      JsonObject back =
          awaitOrderers(
              running.url(),
              token,
              node ->
                  !node.getString("id").equals("orderer0")
                      || (reachable(node)
                          && node.getString("instance")
                              .equals(instances.get(0).ledgers().instance())));
      String ownerAgain = instances.get(0).ledgers().instance();
      assertThat(orderers(back))
          .anySatisfy(
              node -> {
                assertThat(node.getString("id")).isEqualTo("orderer0");
                assertThat(node.getString("instance")).isEqualTo(ownerAgain);
              });
      assertThat(instances.get(0).ledgers().running("spread")).isEmpty();
      assertThat(record(bank1, "iou-5")).startsWith("committed ");
      assertThat(ownerPeers).exists();
      a = instances.get(0);

      // A ledger that ended while an instance was down: that instance deletes its orderer of it
      // when it starts again instead of running it.
      Path kept = satellites(stopped).resolve("spread");
      assertThat(kept).isDirectory();
      String keptOrderer = satelliteOrderers(stopped).get(0);
      instances.remove(stopped).close();
      a.ledgers()
          .registry()
          .setStatus(
              "spread", LedgerStatus.FAILED, Optional.of("ended while an instance was down"));
      instances.put(stopped, start(stopped, schema.get(), certificates, hazelcast, bus, members));
      assertThat(kept).doesNotExist();
      assertThat(a.ledgers().placedElsewhere("spread"))
          .noneMatch(placed -> placed.nodeId().equals(keptOrderer));

      // Retired, the ledger leaves nothing on any instance: also not the peers' files the old
      // owner kept from before another instance took them over.
      assertThat(ownerPeers).exists();
      instances.get(1).ledgers().retire("spread");
      long dropped = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (Files.exists(ownerPeers)) {
        assertThat(System.nanoTime()).as("the old owner's leftovers deleted").isLessThan(dropped);
        Thread.sleep(100);
      }
      assertThat(a.ledgers().registry().custody("spread")).isEmpty();
    } finally {
      instances.values().forEach(Manager::close);
      ClusterSupport.dropSchema(schema.get());
    }
  }

  @Test
  void orderers_on_every_instance_present_renewed_certificates_before_theirs_expire()
      throws Exception {
    Optional<String> schema = ClusterSupport.createSchema("renewal_test");
    assumeTrue(
        schema.isPresent(),
        "no PostgreSQL at " + ClusterSupport.POSTGRES_URL + "; renewal test skipped");
    ClusterSupport.Certificates certificates = ClusterSupport.Certificates.issue(directory);
    http = certificates.client();
    List<Integer> hazelcast = List.of(ManagerProcess.listenPort(), ManagerProcess.listenPort());
    List<Integer> bus = List.of(ManagerProcess.listenPort(), ManagerProcess.listenPort());
    List<String> members = hazelcast.stream().map(port -> "127.0.0.1:" + port).toList();
    CertificatePolicy brief = new CertificatePolicy(Duration.ofSeconds(45), Duration.ofDays(30));
    List<Manager> instances = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        instances.add(start(i, schema.get(), certificates, hazelcast, bus, members, brief));
      }
      Manager a = instances.get(0);
      String token = Files.readString(a.operatorTokenFile(), StandardCharsets.US_ASCII).strip();
      JsonArray parties = new JsonArray();
      for (int i = 0; i < 3; i++) {
        parties.add(
            new JsonObject().put("organization", "Bank " + i).put("mspId", "Bank" + i + "MSP"));
      }
      HttpResponse<String> made =
          send("POST", a.url() + "/ledgers", token, request("spread", parties));
      assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
      // Three orderers on two instances: each instance runs at least one, apart from the peers.
      List<JsonObject> orderers = orderers(awaitOrderers(a.url(), token, node -> true));
      assertThat(orderers.stream().map(o -> o.getString("instance")).distinct()).hasSize(2);
      assertThat(satelliteOrderers(0)).isNotEmpty();
      assertThat(satelliteOrderers(1)).isNotEmpty();

      // The application's identity is long-lived, so that only the nodes' certificates turn.
      Path bank1 = joinBank1(a, token, certificates);
      CertificateAuthority authority = a.ledgers().authority("spread");
      IssuedCredential clientTls =
          authority.issueWithNewKey(
              CertificateRequest.tls(
                      "app",
                      Role.CLIENT,
                      "Bank 1",
                      "Bank1MSP",
                      List.of("localhost"),
                      List.of(InetAddress.getLoopbackAddress()))
                  .withLifetime(Duration.ofHours(1)));
      IssuedCredential clientSigning =
          authority.issueWithNewKey(
              CertificateRequest.signing("app", Role.CLIENT, "Bank 1", "Bank1MSP")
                  .withLifetime(Duration.ofHours(1)));
      replace(
          bank1.resolve("client/msp/signcerts/cert.pem"),
          bank1.resolve("client/msp/keystore/priv_sk"),
          clientSigning);
      replace(bank1.resolve("client/tls/cert.pem"), bank1.resolve("client/tls/key.pem"), clientTls);

      Map<String, X509Certificate> first = new TreeMap<>();
      for (JsonObject orderer : orderers) {
        first.put(
            orderer.getString("id"),
            presented(orderer.getString("endpoint"), authority, clientTls));
      }
      Instant expired =
          first.values().stream()
              .map(c -> c.getNotAfter().toInstant())
              .max(Instant::compareTo)
              .orElseThrow()
              .plusSeconds(5);
      // Transactions commit through the orderers the whole time, past the end of the
      // certificates they started with.
      for (int i = 2; Instant.now().isBefore(expired); i++) {
        assertThat(record(bank1, "iou-" + i)).startsWith("committed ");
        Thread.sleep(2_000);
      }
      for (JsonObject orderer : orderers) {
        X509Certificate started = first.get(orderer.getString("id"));
        X509Certificate now = presented(orderer.getString("endpoint"), authority, clientTls);
        assertThat(now.getSerialNumber())
            .as(orderer.getString("id"))
            .isNotEqualTo(started.getSerialNumber());
        assertThat(now.getNotAfter()).isAfter(started.getNotAfter());
        assertThat(now.getPublicKey()).isEqualTo(started.getPublicKey());
      }
      // Each instance keeps the renewals in its own orderers' folders, for a restart.
      for (int i = 0; i < 2; i++) {
        for (String orderer : satelliteOrderers(i)) {
          Path kept = satellites(i).resolve("spread").resolve(orderer);
          for (String file : List.of("msp/signcerts/cert.pem", "tls/cert.pem")) {
            X509Certificate certificate =
                Pem.readCertificates(Files.readString(kept.resolve(file))).get(0);
            assertThat(certificate.getNotAfter().toInstant())
                .as(kept.resolve(file).toString())
                .isAfter(first.get(orderer).getNotAfter().toInstant());
          }
        }
      }
    } finally {
      instances.forEach(Manager::close);
      ClusterSupport.dropSchema(schema.get());
    }
  }

  /** Writes a new certificate and key in place of a member folder's. */
  private static void replace(Path certificate, Path key, IssuedCredential credential)
      throws Exception {
    Files.writeString(certificate, Pem.certificate(credential.certificate().certificate()));
    Files.writeString(key, Pem.privateKey(credential.privateKey()));
  }

  private static X509Certificate presented(
      String endpoint, CertificateAuthority authority, IssuedCredential clientTls)
      throws Exception {
    return TlsProbe.presented(
        endpoint,
        List.of(authority.trustRoot()),
        clientTls.privateKey(),
        clientTls.certificate().certificate());
  }

  /** Bank 1 joins ledger "spread" through instance {@code a} with the CLI; its join folder. */
  private Path joinBank1(Manager a, String token, ClusterSupport.Certificates certificates)
      throws Exception {
    List<String> atA = List.of("--url", a.url(), "--ca-file", certificates.authority().toString());
    Path tokenFile = Files.writeString(directory.resolve("operator-token"), token);
    String invite =
        Cli.ok(concat(atA, "--token-file", tokenFile.toString()), "invite", "spread", "Bank1MSP");
    Matcher issued = Pattern.compile("(pwi_\\S+)").matcher(invite);
    assertThat(issued.find()).as(invite).isTrue();
    Path bank1 = directory.resolve("bank1");
    Cli.ok(
        atA,
        "join",
        "spread",
        "--invite",
        issued.group(1),
        "--organization",
        "Bank 1",
        "--msp-id",
        "Bank1MSP",
        "--out",
        bank1.toString());
    return bank1;
  }

  private Manager start(
      int index,
      String schema,
      ClusterSupport.Certificates certificates,
      List<Integer> hazelcast,
      List<Integer> bus,
      List<String> members)
      throws Exception {
    return start(index, schema, certificates, hazelcast, bus, members, CertificatePolicy.DEFAULT);
  }

  private Manager start(
      int index,
      String schema,
      ClusterSupport.Certificates certificates,
      List<Integer> hazelcast,
      List<Integer> bus,
      List<String> members,
      CertificatePolicy policy)
      throws Exception {
    return Manager.start(
        new Manager.Settings(
            directory.resolve("instance-" + index),
            "127.0.0.1",
            0,
            Optional.of(ClusterSupport.registryUrl(schema)),
            Passphrase.of(PASSPHRASE.toCharArray()),
            Optional.of(
                new Manager.Cluster("127.0.0.1", hazelcast.get(index), bus.get(index), members)),
            NodeAddresses.loopback(),
            Optional.of(
                ApiTls.fromFiles(
                    certificates.certificate(),
                    certificates.key(),
                    Optional.of(certificates.authority()))),
            policy));
  }

  private static String request(String name, JsonArray parties) {
    return new JsonObject()
        .put("name", name)
        .put("template", "payments-netting")
        .put("parties", parties)
        .encode();
  }

  /** Where instance {@code index} keeps the orderers it runs for other instances' ledgers. */
  private Path satellites(int index) throws Exception {
    try (Stream<Path> kept =
        Files.find(
            directory.resolve("instance-" + index).resolve("instances"),
            2,
            (path, attributes) -> path.getFileName().toString().equals("orderers"))) {
      return kept.findFirst().orElse(directory.resolve("nowhere"));
    }
  }

  /** Polls the ledger until it leaves PROVISIONING. */
  private JsonObject awaitStatus(String base, String token, String ledger) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (true) {
      JsonObject shown =
          new JsonObject(send("GET", base + "/ledgers/" + ledger, token, null).body());
      if (!"PROVISIONING".equals(shown.getString("status")) || System.nanoTime() > deadline) {
        return shown;
      }
      Thread.sleep(200);
    }
  }

  /** The orderers instance {@code index} keeps for ledger "spread" in its own directory. */
  private List<String> satelliteOrderers(int index) throws Exception {
    try (Stream<Path> kept =
        Files.find(
            directory.resolve("instance-" + index).resolve("instances"),
            4,
            (path, attributes) ->
                attributes.isDirectory()
                    && path.getParent().getFileName().toString().equals("spread"))) {
      return kept.map(path -> path.getFileName().toString()).collect(Collectors.toList());
    }
  }

  private static int indexOf(Map<Integer, Manager> instances, String instance) {
    return instances.entrySet().stream()
        .filter(entry -> entry.getValue().ledgers().instance().equals(instance))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no instance " + instance));
  }

  private static boolean reachable(JsonObject node) {
    return node.getBoolean("reachable", true);
  }

  /** Whether the config in force lists each of the ledger's peers where it runs now. */
  private static boolean configNamesRunningPeers(HostedLedger ledger) {
    Set<String> running = new HashSet<>();
    ledger
        .nodes()
        .forEach(node -> running.add(node.nodeId() + "@" + node.host() + ":" + node.port()));
    return ledger.config().getPeersList().stream()
        .allMatch(
            peer ->
                running.contains(peer.getNodeId() + "@" + peer.getHost() + ":" + peer.getPort()));
  }

  private static List<JsonObject> nodes(JsonObject ledger, String kind) {
    return ledger.getJsonArray("nodes").stream()
        .map(JsonObject.class::cast)
        .filter(node -> node.getString("kind").equals(kind))
        .toList();
  }

  private static List<JsonObject> orderers(JsonObject ledger) {
    return ledger.getJsonArray("nodes").stream()
        .map(JsonObject.class::cast)
        .filter(node -> node.getString("kind").equals("orderer"))
        .toList();
  }

  /** Records an obligation of Bank1 to Bank2 through Bank1's peer; retries while orderers elect. */
  private static String record(Path member, String id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        return GatewayProbe.call(
            member, "submit", "obligations", "record", id, "Bank1MSP", "Bank2MSP", "EUR", "5");
      } catch (Exception notYet) {
        if (System.nanoTime() > deadline) {
          throw notYet;
        }
        Thread.sleep(500);
      }
    }
  }

  /**
   * Polls the ledger through {@code base} until it is ACTIVE and every orderer passes {@code ok}.
   */
  private JsonObject awaitOrderers(String base, String token, Predicate<JsonObject> ok)
      throws Exception {
    return awaitLedger(
        base,
        token,
        ledger -> orderers(ledger).size() == 3 && orderers(ledger).stream().allMatch(ok),
        "the ledger's orderers did not show as expected");
  }

  /** Polls the ledger view until it has peers and every node satisfies {@code ok}. */
  private JsonObject awaitNodes(String base, String token, Predicate<JsonObject> ok)
      throws Exception {
    return awaitLedger(
        base,
        token,
        ledger ->
            !nodes(ledger, "peer").isEmpty()
                && ledger.getJsonArray("nodes").stream().map(JsonObject.class::cast).allMatch(ok),
        "the ledger's nodes did not show as expected");
  }

  private JsonObject awaitLedger(
      String base, String token, Predicate<JsonObject> shows, String otherwise) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> shown = send("GET", base + "/ledgers/spread", token, null);
      last = shown.statusCode() + " " + shown.body();
      if (shown.statusCode() == 200) {
        JsonObject ledger = new JsonObject(shown.body());
        if ("ACTIVE".equals(ledger.getString("status"))
            && ledger.containsKey("nodes")
            && shows.test(ledger)) {
          return ledger;
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError(otherwise + ": " + last);
  }

  private HttpResponse<String> send(String method, String url, String token, String body)
      throws Exception {
    return ClusterSupport.send(http, method, url, token, body);
  }

  private static List<String> concat(List<String> first, String... rest) {
    List<String> all = new ArrayList<>(first);
    all.addAll(List.of(rest));
    return all;
  }
}
