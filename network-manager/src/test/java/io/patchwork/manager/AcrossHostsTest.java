package io.patchwork.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
 * A ledger used from other hosts, each a network namespace of its own ({@link TestNetwork}): the
 * manager on one host serves HTTPS and runs the ledger's nodes on its host's address; Bank A's host
 * joins with {@code patchwork join --run-peer}, which checks the snapshot against the signed chain
 * and runs Bank A's own peer; Bank B's host joins and transacts through the peer the manager hosts
 * for it. Applications use the official Fabric Gateway client with the profile they received, and
 * no endpoint in it is loopback. Bank A's host is cut off and catches up when healed, and its peer
 * survives a restart.
 */
@Tag("cluster")
class AcrossHostsTest {
  private static final String PASSPHRASE = "across hosts passphrase";

  @TempDir Path directory;

  @Test
  void members_on_other_hosts_join_run_their_own_peer_and_transact_over_the_network()
      throws Exception {
    Optional<String> unavailable = TestNetwork.unavailable();
    assumeTrue(unavailable.isEmpty(), () -> "no test hosts here: " + unavailable.orElseThrow());
    try (TestNetwork network = TestNetwork.create("ah", 1)) {
      TestNetwork.Host managerHost = network.addHost("manager");
      TestNetwork.Host bankAHost = network.addHost("banka");
      TestNetwork.Host bankBHost = network.addHost("bankb");

      Path data = directory.resolve("manager");
      Path managerLog = directory.resolve("manager.log");
      Process manager =
          network.start(
              managerHost,
              TestNetwork.java(Main.class.getName(), "serve"),
              Map.of(
                  "PATCHWORK_DATA_DIR", data.toString(),
                  "PATCHWORK_HOST", managerHost.address(),
                  "PATCHWORK_PORT", "8443",
                  "PATCHWORK_NODE_BIND", managerHost.address(),
                  "PATCHWORK_NODE_HOST", managerHost.address(),
                  "PATCHWORK_CA_PASSPHRASE", PASSPHRASE),
              managerLog);
      // "Try:" follows the fingerprint: waiting for "listening on" raced the lines after it.
      String started =
          TestNetwork.awaitOutput(manager, managerLog, "Try:", Duration.ofSeconds(120));
      Matcher printed = Pattern.compile("SHA-256 fingerprint: ([0-9A-F:]+)").matcher(started);
      assertThat(printed.find()).as(started).isTrue();
      String url = "https://" + managerHost.address() + ":8443";
      List<String> connection =
          List.of(
              "--url",
              url,
              "--fingerprint",
              printed.group(1),
              "--token-file",
              data.resolve("operator-token").toString());

      Cli.ok(
          connection,
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
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!Cli.ok(connection, "ledger", "trade").contains("ACTIVE")) {
        assertThat(System.nanoTime()).as("the ledger did not become ACTIVE").isLessThan(deadline);
        Thread.sleep(250);
      }
      String inviteA = token(Cli.ok(connection, "invite", "trade", "BankAMSP", "--nodes", "1"));
      String inviteB = token(Cli.ok(connection, "invite", "trade", "BankBMSP"));

      // Bank B joins from its host and uses the peer the manager runs for it.
      Path bankB = directory.resolve("bankb");
      Path bankBLog = directory.resolve("bankb-join.log");
      Process joinB =
          network.start(
              bankBHost,
              join(url, printed.group(1), inviteB, "Bank B", "BankBMSP", bankB),
              Map.of(),
              bankBLog);
      assertThat(joinB.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(joinB.exitValue()).as(Files.readString(bankBLog)).isZero();

      // Bank A joins from its host and runs its own peer there.
      Path bankA = directory.resolve("banka");
      Path bankALog = directory.resolve("banka-join.log");
      List<String> joinA =
          new ArrayList<>(join(url, printed.group(1), inviteA, "Bank A", "BankAMSP", bankA));
      joinA.addAll(
          List.of("--run-peer", "--advertise", bankAHost.address(), "--bind", bankAHost.address()));
      Process peerA = network.start(bankAHost, joinA, Map.of(), bankALog);
      String joined =
          TestNetwork.awaitOutput(peerA, bankALog, "is running", Duration.ofSeconds(120));
      assertThat(joined).containsPattern("snapshot at block \\d+ checked");

      JsonObject profile =
          new JsonObject(Files.readString(bankA.resolve("connection-profile.json")));
      assertThat(profile.getJsonArray("peers").getJsonObject(0).getString("endpoint"))
          .isEqualTo(bankAHost.address() + ":7051");
      for (String list : List.of("peers", "orderers")) {
        JsonArray endpoints = profile.getJsonArray(list);
        for (int i = 0; i < endpoints.size(); i++) {
          assertThat(endpoints.getJsonObject(i).getString("endpoint"))
              .as("every endpoint a member is given is reachable from its host")
              .doesNotStartWith("127.")
              .doesNotStartWith("localhost");
        }
      }

      assertThat(
              probe(network, bankAHost, bankA, "submit", "record", "iou-1", "BankAMSP", "BankBMSP"))
          .startsWith("committed ");
      assertThat(awaitFound(network, bankBHost, bankB, "iou-1")).contains("\"amount\":\"5\"");

      // Cut off, Bank A's peer misses what Bank B records; healed, it catches up.
      network.cut(bankAHost);
      assertThat(
              probe(network, bankBHost, bankB, "submit", "record", "iou-2", "BankBMSP", "BankAMSP"))
          .startsWith("committed ");
      Thread.sleep(10_000);
      network.heal(bankAHost);
      assertThat(awaitFound(network, bankAHost, bankA, "iou-2"))
          .contains("\"debtor\":\"BankBMSP\"");

      // Stopped and started again with the command it printed, it comes back on its data.
      peerA.destroy();
      assertThat(peerA.waitFor(30, TimeUnit.SECONDS)).isTrue();
      Matcher restart = Pattern.compile("patchwork node (run .*)").matcher(joined);
      assertThat(restart.find()).as(joined).isTrue();
      Path restartLog = directory.resolve("banka-restart.log");
      Process again =
          network.start(
              bankAHost,
              TestNetwork.java(
                  Main.class.getName(), concat("node", restart.group(1).trim().split(" "))),
              Map.of(),
              restartLog);
      String restarted =
          TestNetwork.awaitOutput(again, restartLog, "is running", Duration.ofSeconds(60));
      assertThat(restarted).doesNotContain("snapshot at block");
      assertThat(probe(network, bankAHost, bankA, "evaluate", "get", "iou-2"))
          .contains("\"debtor\":\"BankBMSP\"");
    }
  }

  private static String[] concat(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static List<String> join(
      String url, String fingerprint, String invite, String organization, String mspId, Path out) {
    return TestNetwork.java(
        Main.class.getName(),
        "join",
        "trade",
        "--url",
        url,
        "--fingerprint",
        fingerprint,
        "--invite",
        invite,
        "--organization",
        organization,
        "--msp-id",
        mspId,
        "--out",
        out.toString());
  }

  private static String token(String inviteOutput) {
    Matcher token = Pattern.compile("(pwi_\\S+)").matcher(inviteOutput);
    assertThat(token.find()).as(inviteOutput).isTrue();
    return token.group(1);
  }

  /**
   * Runs {@link GatewayProbe} on {@code host} with the member's files: {@code record ID DEBTOR
   * CREDITOR} records an obligation of 5 EUR, {@code get ID} reads one.
   */
  private String probe(
      TestNetwork network, TestNetwork.Host host, Path member, String mode, String... call)
      throws Exception {
    List<String> args = new ArrayList<>(List.of(member.toString(), mode, "obligations"));
    args.addAll(Arrays.asList(call));
    if (call[0].equals("record")) {
      args.addAll(List.of("EUR", "5"));
    }
    return GatewayProbe.runOn(network, host, directory, Duration.ZERO, args);
  }

  /** Reads obligation {@code id} through the member's first peer until that peer has it. */
  private String awaitFound(TestNetwork network, TestNetwork.Host host, Path member, String id)
      throws Exception {
    return GatewayProbe.runOn(
        network,
        host,
        directory,
        Duration.ofSeconds(60),
        List.of(member.toString(), "evaluate", "obligations", "get", id));
  }
}
