package io.patchwork.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.patchwork.ca.Pem;
import io.patchwork.ca.ServiceIdentity;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three manager instances on three hosts (network namespaces), each with its own data directory, in
 * one cluster over one PostgreSQL registry (the machine's server, reached through a relay on the
 * test network), and a member on a fourth host running its own peer. A ledger's three orderers run
 * one on each manager host; the member's application transacts through its own peer; the manager
 * host running one of them is killed with SIGKILL and the ledger commits on; started again, that
 * instance's orderer comes back from its own files. Then the members vote Bank A's own orderer in
 * and it runs on Bank A's host. Every endpoint is on the test network, none on loopback; the API is
 * HTTPS with the instances' certificate checked.
 */
@Tag("cluster")
class ClusterAcrossHostsTest {
  private static final String PASSPHRASE = "cluster across hosts passphrase";

  @TempDir Path directory;

  @Test
  void a_ledger_orders_on_three_manager_hosts_and_survives_the_kill_of_one() throws Exception {
    Optional<String> unavailable = TestNetwork.unavailable();
    assumeTrue(unavailable.isEmpty(), () -> "no test hosts here: " + unavailable.orElseThrow());
    Optional<String> schema = ClusterSupport.createSchema("cluster_hosts_test");
    assumeTrue(schema.isPresent(), "no PostgreSQL at " + ClusterSupport.POSTGRES_URL);
    try (TestNetwork network = TestNetwork.create("ch", 3)) {
      List<TestNetwork.Host> managers = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        managers.add(network.addHost("m" + i));
      }
      TestNetwork.Host bankAHost = network.addHost("banka");
      int database = network.relay("127.0.0.1", 5432, Duration.ZERO);
      String registry =
          "jdbc:postgresql://"
              + network.machineAddress()
              + ":"
              + database
              + "/test?user=postgres&connectTimeout=5&currentSchema="
              + schema.get();

      // One authority's certificate for the three instances, naming their addresses.
      List<InetAddress> addresses = new ArrayList<>();
      for (TestNetwork.Host host : managers) {
        addresses.add(InetAddress.getByName(host.address()));
      }
      ServiceIdentity api =
          ServiceIdentity.issue("cluster hosts API", List.of(), addresses, Duration.ofDays(1));
      Path certificate = directory.resolve("api-cert.pem");
      Path key = directory.resolve("api-key.pem");
      Path authority = directory.resolve("api-ca.pem");
      Files.writeString(certificate, Pem.certificates(List.of(api.certificate(), api.authority())));
      Files.writeString(key, Pem.privateKey(api.key()));
      Files.writeString(authority, Pem.certificate(api.authority()));
      String members =
          String.join(",", managers.stream().map(host -> host.address() + ":5701").toList());
      Map<Integer, Process> instances = new HashMap<>();
      for (int i = 0; i < 3; i++) {
        instances.put(
            i,
            startInstance(
                network, managers.get(i), i, registry, members, certificate, key, authority));
      }
      String url = "https://" + managers.get(0).address() + ":8443";
      List<String> operator =
          List.of(
              "--url",
              url,
              "--ca-file",
              authority.toString(),
              "--token-file",
              directory.resolve("m0/operator-token").toString());

      Cli.ok(
          operator,
          "create-ledger",
          "trade",
          "--template",
          "payments-netting",
          "--party",
          "Bank A:BankAMSP",
          "--party",
          "Bank B:BankBMSP",
          "--party",
          "Bank C:BankCMSP");
      String shown =
          awaitLedger(
              operator, view -> view.contains("ACTIVE") && count(view, "on instance ") == 6);
      // Three orderers on three instances, every endpoint on the test network.
      assertThat(shown).doesNotContain("127.0.0.1").doesNotContain("localhost");
      for (TestNetwork.Host host : managers) {
        assertThat(shown)
            .containsPattern("orderer\\d +orderer +" + Pattern.quote(host.address()) + ":");
      }

      // Bank A joins from its host and runs its own peer there.
      String invite = token(Cli.ok(operator, "invite", "trade", "BankAMSP", "--nodes", "2"));
      Path bankA = directory.resolve("banka");
      Process peerA =
          network.start(
              bankAHost,
              TestNetwork.java(
                  Main.class.getName(),
                  "join",
                  "trade",
                  "--url",
                  url,
                  "--ca-file",
                  authority.toString(),
                  "--invite",
                  invite,
                  "--organization",
                  "Bank A",
                  "--msp-id",
                  "BankAMSP",
                  "--out",
                  bankA.toString(),
                  "--run-peer",
                  "--with-orderer",
                  "banka-orderer",
                  "--advertise",
                  bankAHost.address(),
                  "--bind",
                  bankAHost.address()),
              Map.of(),
              directory.resolve("banka.log"));
      TestNetwork.awaitOutput(
          peerA, directory.resolve("banka.log"), "is running", Duration.ofSeconds(120));
      assertThat(record(network, bankAHost, bankA, "iou-1")).startsWith("committed ");

      // The manager host running orderer2 is killed: the two orderers left commit on.
      Matcher placed = Pattern.compile("orderer2 +orderer +([0-9.]+):").matcher(shown);
      assertThat(placed.find()).as(shown).isTrue();
      int victim = -1;
      for (int i = 0; i < 3; i++) {
        if (managers.get(i).address().equals(placed.group(1))) {
          victim = i;
        }
      }
      assertThat(victim).as(shown).isBetween(1, 2);
      instances.get(victim).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      assertThat(record(network, bankAHost, bankA, "iou-2")).startsWith("committed ");
      awaitLedger(operator, view -> view.contains("which does not answer"));

      // Started again on its own files, the instance brings its orderer back.
      instances.put(
          victim,
          startInstance(
              network,
              managers.get(victim),
              victim,
              registry,
              members,
              certificate,
              key,
              authority));
      String back =
          awaitLedger(
              operator,
              view -> count(view, "on instance ") == 6 && !view.contains("which does not answer"));
      assertThat(back).contains("ACTIVE");
      assertThat(record(network, bankAHost, bankA, "iou-3")).startsWith("committed ");

      // Bank B joins to vote; Bank A's own orderer is voted in and runs on Bank A's host.
      Path bankB = directory.resolve("bankb");
      Cli.ok(
          List.of("--url", url, "--ca-file", authority.toString()),
          "join",
          "trade",
          "--invite",
          token(Cli.ok(operator, "invite", "trade", "BankBMSP")),
          "--organization",
          "Bank B",
          "--msp-id",
          "BankBMSP",
          "--out",
          bankB.toString());
      Path orderer = bankA.resolve("orderer");
      List<String> asBankA = member(url, authority, bankA);
      Matcher proposal =
          Pattern.compile("proposal (\\S+) recorded")
              .matcher(
                  Cli.ok(
                      asBankA,
                      "propose",
                      "trade",
                      "--add-orderer",
                      orderer.toString(),
                      "--orderer-host",
                      bankAHost.address(),
                      "--orderer-port",
                      "7060",
                      "--orderer-raft-port",
                      "7061",
                      "--admin-msp",
                      bankA.resolve("admin/msp").toString()));
      assertThat(proposal.find()).isTrue();
      for (Path voter : List.of(bankA, bankB)) {
        Cli.ok(
            member(url, authority, voter),
            "vote",
            "trade",
            proposal.group(1),
            "yes",
            "--admin-msp",
            voter.resolve("admin/msp").toString());
      }
      Path ordererLog = directory.resolve("banka-orderer.log");
      Process own =
          network.start(
              bankAHost,
              TestNetwork.addedOrderer(orderer, "banka-orderer", bankAHost.address()),
              Map.of(),
              ordererLog);
      TestNetwork.awaitOutput(own, ordererLog, "is running", Duration.ofSeconds(60));
      String four =
          awaitLedger(
              operator,
              view ->
                  view.contains("banka-orderer") && view.contains(bankAHost.address() + ":7060"));
      assertThat(four).contains("config sequence 1");
      assertThat(record(network, bankAHost, bankA, "iou-4")).startsWith("committed ");
    } finally {
      ClusterSupport.dropSchema(schema.get());
    }
  }

  private Process startInstance(
      TestNetwork network,
      TestNetwork.Host host,
      int index,
      String registry,
      String members,
      Path certificate,
      Path key,
      Path authority)
      throws Exception {
    Path log = Files.createTempFile(directory, "m" + index + "-", ".log");
    Process process =
        network.start(
            host,
            TestNetwork.java(Main.class.getName(), "serve"),
            Map.ofEntries(
                Map.entry("PATCHWORK_DATA_DIR", directory.resolve("m" + index).toString()),
                Map.entry("PATCHWORK_DATABASE_URL", registry),
                Map.entry("PATCHWORK_CA_PASSPHRASE", PASSPHRASE),
                Map.entry("PATCHWORK_HOST", host.address()),
                Map.entry("PATCHWORK_PORT", "8443"),
                Map.entry("PATCHWORK_NODE_BIND", host.address()),
                Map.entry("PATCHWORK_NODE_HOST", host.address()),
                Map.entry("PATCHWORK_CLUSTER_MEMBERS", members),
                Map.entry("PATCHWORK_TLS_CERT", certificate.toString()),
                Map.entry("PATCHWORK_TLS_KEY", key.toString()),
                Map.entry("PATCHWORK_TLS_CA", authority.toString())),
            log);
    TestNetwork.awaitOutput(process, log, "Try:", Duration.ofSeconds(120));
    return process;
  }

  /** Polls {@code patchwork ledger trade} until its output passes {@code ready}. */
  private static String awaitLedger(
      List<String> operator, java.util.function.Predicate<String> ready) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      Cli.Result shown = Cli.run(operator, "ledger", "trade");
      last = shown.out() + shown.err();
      if (shown.exit() == 0 && ready.test(shown.out())) {
        return shown.out();
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the ledger did not show as expected:\n" + last);
  }

  /** A member's CLI connection: the manager's URL, its authority, the member's API token. */
  private static List<String> member(String url, Path authority, Path joined) {
    return List.of(
        "--url",
        url,
        "--ca-file",
        authority.toString(),
        "--token-file",
        joined.resolve("api-token").toString());
  }

  private static int count(String text, String part) {
    return text.split(Pattern.quote(part), -1).length - 1;
  }

  private static String token(String inviteOutput) {
    Matcher token = Pattern.compile("(pwi_\\S+)").matcher(inviteOutput);
    assertThat(token.find()).as(inviteOutput).isTrue();
    return token.group(1);
  }

  /** Records an obligation of Bank A to Bank B through Bank A's own peer, from its host. */
  private String record(TestNetwork network, TestNetwork.Host host, Path member, String id)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      Path log = Files.createTempFile(directory, "probe", ".log");
      Process probe =
          network.start(
              host,
              TestNetwork.java(
                  GatewayProbe.class.getName(),
                  member.toString(),
                  "submit",
                  "obligations",
                  "record",
                  id,
                  "BankAMSP",
                  "BankBMSP",
                  "EUR",
                  "5"),
              Map.of(),
              log);
      assertThat(probe.waitFor(90, TimeUnit.SECONDS)).as("the probe did not finish").isTrue();
      String output = Files.readString(log);
      Optional<String> committed =
          output.lines().filter(l -> l.startsWith("committed ")).findFirst();
      if (probe.exitValue() == 0 && committed.isPresent()) {
        return committed.get();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no commit for " + id + ":\n" + output);
      }
      Thread.sleep(1000);
    }
  }
}
