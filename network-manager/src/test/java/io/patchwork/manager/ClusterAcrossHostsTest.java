package io.patchwork.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Six parties on five hosts ({@link ConsortiumOnHosts}): three manager instances, each with its own
 * data directory, in one cluster over one PostgreSQL registry, and Bank A and Bank B on hosts of
 * their own running their own peers. The ledger's three orderers run one on each manager host; the
 * members vote Bank A's own orderer in and it runs on Bank A's host. Bank A's application transacts
 * through its own peer with the profile it received. The manager host running the ledger's hosted
 * peers and an orderer is killed with SIGKILL: the ledger commits on, and another instance takes
 * the peers over; Bank B's host is cut off for 30 s and its peer catches up when healed; the killed
 * instance, started again, brings its orderer back from its own files. Afterwards all eight peers
 * vouch for the same state after the last block. Every endpoint is on the test network, none on
 * loopback; the API is HTTPS with the instances' certificate checked.
 */
@Tag("cluster")
class ClusterAcrossHostsTest {
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @TempDir Path directory;

  @Test
  void six_parties_on_five_hosts_order_across_the_cluster_and_survive_a_kill_and_a_cut()
      throws Exception {
    Optional<String> unavailable = TestNetwork.unavailable();
    assumeTrue(unavailable.isEmpty(), () -> "no test hosts here: " + unavailable.orElseThrow());
    Optional<String> schema = ClusterSupport.createSchema("cluster_hosts_test");
    assumeTrue(schema.isPresent(), "no PostgreSQL at " + ClusterSupport.POSTGRES_URL);
    try (ConsortiumOnHosts consortium =
        ConsortiumOnHosts.start(directory, "ch", 3, Duration.ZERO, "test", schema.get())) {
      String shown = consortium.createLedger();
      // Three orderers on three instances, every endpoint on the test network.
      assertThat(shown).doesNotContain("127.0.0.1").doesNotContain("localhost");
      for (int i = 0; i < 3; i++) {
        assertThat(shown)
            .containsPattern(
                "orderer\\d +orderer +(\\S+ +)?" + Pattern.quote(consortium.advertised(i)) + ":");
      }

      consortium.joinMembers();
      Path bankA = consortium.member("a");
      Path bankB = consortium.member("b");
      assertThat(record(consortium, "iou-1")).startsWith("committed ");

      // Bank A's own orderer is voted in and runs on Bank A's host.
      String four = consortium.voteInBankAOrderer();
      assertThat(four).contains("banka-orderer").doesNotContain("127.0.0.1");
      assertThat(record(consortium, "iou-2")).startsWith("committed ");

      // The manager host that runs the ledger's six hosted peers (and orderer0) is killed: the
      // three orderers left commit on, and another instance takes the peers over from the
      // ledger's custody in the registry, on its own host, and records where they are now.
      consortium.useInstance(1);
      consortium.kill(0);
      assertThat(record(consortium, "iou-3")).startsWith("committed ");
      String lostOwner = Pattern.quote(consortium.advertised(0)) + ":";
      String takenOver =
          consortium.awaitLedger(
              view ->
                  view.contains("which does not answer")
                      && !Pattern.compile("(?m)^ +\\S+ +peer +\\S+ +" + lostOwner)
                          .matcher(view)
                          .find());
      assertThat(ConsortiumOnHosts.count(takenOver, " peer "))
          .as(takenOver)
          .isGreaterThanOrEqualTo(6);

      // Cut off for 30 s, Bank B's own peer misses what Bank A records; healed, it catches up.
      consortium.network().cut(consortium.bankBHost());
      assertThat(record(consortium, "iou-4")).startsWith("committed ");
      Thread.sleep(30_000);
      consortium.network().heal(consortium.bankBHost());
      assertThat(
              consortium.probe(consortium.bankBHost(), bankB, PATIENCE, "evaluate", "get", "iou-4"))
          .contains("\"debtor\":\"BankAMSP\"");

      // Started again on its own files, the instance brings its orderer back; the peers stay
      // where they were taken over.
      consortium.startInstance(0);
      String back =
          consortium.awaitLedger(
              view ->
                  ConsortiumOnHosts.count(view, "on instance ") == 9
                      && !view.contains("which does not answer"));
      assertThat(back).contains("ACTIVE");
      assertThat(record(consortium, "iou-5")).startsWith("committed ");

      // Every peer — the six the instances host and the members' own two — vouches for the same
      // state after the last block.
      String last = consortium.awaitLedger(view -> view.contains("ACTIVE"));
      long block = -1;
      List<String> endpoints = new ArrayList<>();
      Matcher peer =
          Pattern.compile("(?m)^ +\\S+ +peer +\\S+ +(\\S+) +height (\\d+)").matcher(last);
      while (peer.find()) {
        endpoints.add(peer.group(1));
        block = Math.max(block, Long.parseLong(peer.group(2)) - 1);
      }
      assertThat(endpoints).as(last).hasSizeGreaterThanOrEqualTo(6);
      endpoints.add(consortium.bankAAdvertised() + ":7051");
      endpoints.add(consortium.bankBAdvertised() + ":7051");
      String answer =
          consortium.stateHashes(
              consortium.bankAHost(),
              bankA,
              block,
              List.copyOf(new LinkedHashSet<>(endpoints)),
              PATIENCE);
      List<String> vouched = List.of(answer.substring("result ".length()).split(" "));
      assertThat(vouched).as(answer).hasSizeGreaterThanOrEqualTo(8);
      assertThat(new HashSet<>(vouched))
          .as("state after block %d on %s", block, endpoints)
          .hasSize(1);
      assertThat(vouched.get(0)).matches("[0-9a-f]{64}:[0-9a-f]{64}");
    } finally {
      ClusterSupport.dropSchema(schema.get());
    }
  }

  /** Records an obligation of Bank A to Bank B through Bank A's own peer, from its host. */
  private static String record(ConsortiumOnHosts consortium, String id) throws Exception {
    return consortium.probe(
        consortium.bankAHost(),
        consortium.member("a"),
        PATIENCE,
        "submit",
        "record",
        id,
        "BankAMSP",
        "BankBMSP");
  }
}
