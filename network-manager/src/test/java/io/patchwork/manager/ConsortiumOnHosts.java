package io.patchwork.manager;

import io.patchwork.ca.Pem;
import io.patchwork.ca.ServiceIdentity;
import io.patchwork.node.api.NodePorts;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Six parties on five hosts ({@link TestNetwork}), as a consortium deploys Patchwork: three manager
 * instances on three hosts, each with its own data directory, in one cluster over one PostgreSQL
 * registry (the machine's server, through a relay on the test network), serving HTTPS with one
 * authority's certificate; a ledger {@value #LEDGER} for Bank A to Bank F whose three orderers run
 * one on each manager host; Bank A and Bank B on hosts of their own, each running its own peer, and
 * Bank A also an orderer the members vote in. Banks C and D join to vote.
 *
 * <p>With a one-way delay, every node is advertised at its host's delayed address ({@link
 * TestNetwork#delayedAddress}): each connection to a node, from any host, crosses the delay both
 * ways. The managers' API, cluster and registry traffic is not delayed.
 *
 * <p>Shared by the multi-host cluster test and the across-hosts benchmark; it checks what it needs
 * to go on and throws {@link IllegalStateException} with the output when a step fails.
 */
public final class ConsortiumOnHosts implements AutoCloseable {
  public static final String LEDGER = "trade";
  private static final String PASSPHRASE = "consortium on hosts passphrase";
  private static final int INSTANCES = 3;
  private static final int MEMBER_PEER_PORT = 7051;
  private static final int MEMBER_ORDERER_PORT = 7060;
  private static final int MEMBER_RAFT_PORT = 7061;

  private final Path directory;
  private final TestNetwork network;
  private final String registry;
  private final List<TestNetwork.Host> managers = new ArrayList<>();
  private final List<String> advertised = new ArrayList<>();
  private final List<NodePorts> ports = new ArrayList<>();
  private final Map<Integer, Process> instances = new HashMap<>();
  private final TestNetwork.Host bankAHost;
  private final TestNetwork.Host bankBHost;
  private final String bankAAdvertised;
  private final String bankBAdvertised;
  private final Path certificate;
  private final Path key;
  private final Path authority;
  private volatile String url;

  private ConsortiumOnHosts(
      Path directory, String tag, int subnet, Duration oneWayDelay, String database, String schema)
      throws Exception {
    this.directory = directory;
    this.network = TestNetwork.create(tag, subnet);
    try {
      for (int i = 0; i < INSTANCES; i++) {
        TestNetwork.Host host = network.addHost("m" + i);
        managers.add(host);
        NodePorts range = new NodePorts(24_000 + 100 * i, 24_000 + 100 * i + 29);
        ports.add(range);
        advertised.add(
            network.delayedAddress(
                host,
                oneWayDelay,
                IntStream.rangeClosed(range.first(), range.last()).boxed().toList()));
      }
      bankAHost = network.addHost("banka");
      bankBHost = network.addHost("bankb");
      bankAAdvertised =
          network.delayedAddress(
              bankAHost,
              oneWayDelay,
              List.of(MEMBER_PEER_PORT, MEMBER_ORDERER_PORT, MEMBER_RAFT_PORT));
      bankBAdvertised = network.delayedAddress(bankBHost, oneWayDelay, List.of(MEMBER_PEER_PORT));
      int relay = network.relay("127.0.0.1", 5432, Duration.ZERO);
      registry =
          "jdbc:postgresql://"
              + network.machineAddress()
              + ":"
              + relay
              + "/"
              + database
              + "?user=postgres&connectTimeout=5&currentSchema="
              + schema;

      // One authority's certificate for the three instances, naming their addresses.
      List<InetAddress> addresses = new ArrayList<>();
      for (TestNetwork.Host host : managers) {
        addresses.add(InetAddress.getByName(host.address()));
      }
      ServiceIdentity api =
          ServiceIdentity.issue("consortium API", List.of(), addresses, Duration.ofDays(1));
      certificate = directory.resolve("api-cert.pem");
      key = directory.resolve("api-key.pem");
      authority = directory.resolve("api-ca.pem");
      Files.writeString(certificate, Pem.certificates(List.of(api.certificate(), api.authority())));
      Files.writeString(key, Pem.privateKey(api.key()));
      Files.writeString(authority, Pem.certificate(api.authority()));
      url = "https://" + managers.get(0).address() + ":8443";
    } catch (Exception | Error e) {
      network.close();
      throw e;
    }
  }

  /**
   * Makes the hosts and starts the three manager instances on the registry schema {@code schema} of
   * the machine's PostgreSQL database {@code database}; nodes are reached {@code oneWayDelay} away
   * (zero: directly).
   */
  public static ConsortiumOnHosts start(
      Path directory, String tag, int subnet, Duration oneWayDelay, String database, String schema)
      throws Exception {
    ConsortiumOnHosts consortium =
        new ConsortiumOnHosts(directory, tag, subnet, oneWayDelay, database, schema);
    try {
      for (int i = 0; i < INSTANCES; i++) {
        consortium.launchInstance(i);
      }
      // Started together: each waits for the cluster to form anyway.
      for (int i = 0; i < INSTANCES; i++) {
        consortium.awaitInstance(i);
      }
      return consortium;
    } catch (Exception | Error e) {
      consortium.close();
      throw e;
    }
  }

  public TestNetwork network() {
    return network;
  }

  public List<TestNetwork.Host> managers() {
    return List.copyOf(managers);
  }

  /** The address manager instance {@code index}'s nodes are reached at. */
  public String advertised(int index) {
    return advertised.get(index);
  }

  public TestNetwork.Host bankAHost() {
    return bankAHost;
  }

  public TestNetwork.Host bankBHost() {
    return bankBHost;
  }

  public String bankAAdvertised() {
    return bankAAdvertised;
  }

  public String bankBAdvertised() {
    return bankBAdvertised;
  }

  /** The folder {@code patchwork join} wrote for {@code bank} ("a" to "d"). */
  public Path member(String bank) {
    return directory.resolve("bank" + bank);
  }

  /** The URL of the instance the CLI connections go to (the first one unless told otherwise). */
  public String url() {
    return url;
  }

  /** Sends the CLI connections to instance {@code index} from now on (before the first is lost). */
  public void useInstance(int index) {
    url = "https://" + managers.get(index).address() + ":8443";
  }

  public Path authority() {
    return authority;
  }

  /** The operator's CLI connection: the instance's URL, its authority, the token. */
  public List<String> operator() {
    return connection(directory.resolve("m0/" + Manager.OPERATOR_TOKEN_FILE));
  }

  /** A member's CLI connection: the instance's URL, its authority, the member's token. */
  public List<String> memberConnection(Path joined) {
    return connection(joined.resolve("api-token"));
  }

  private List<String> connection(Path tokenFile) {
    return List.of(
        "--url", url, "--ca-file", authority.toString(), "--token-file", tokenFile.toString());
  }

  /** Starts manager instance {@code index} on its host and its own data directory. */
  public void startInstance(int index) throws Exception {
    launchInstance(index);
    awaitInstance(index);
  }

  private final Map<Integer, Path> logs = new HashMap<>();

  private void launchInstance(int index) throws Exception {
    TestNetwork.Host host = managers.get(index);
    String members =
        String.join(",", managers.stream().map(other -> other.address() + ":5701").toList());
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
                Map.entry("PATCHWORK_NODE_HOST", advertised.get(index)),
                Map.entry("PATCHWORK_NODE_PORTS", ports.get(index).toString()),
                Map.entry("PATCHWORK_CLUSTER_MEMBERS", members),
                Map.entry("PATCHWORK_TLS_CERT", certificate.toString()),
                Map.entry("PATCHWORK_TLS_KEY", key.toString()),
                Map.entry("PATCHWORK_TLS_CA", authority.toString())),
            log);
    instances.put(index, process);
    logs.put(index, log);
  }

  /** Waits until instance {@code index} serves (its start-up output's last line). */
  private void awaitInstance(int index) throws Exception {
    TestNetwork.awaitOutput(instances.get(index), logs.get(index), "Try:", Duration.ofSeconds(120));
  }

  /** Kills manager instance {@code index} with SIGKILL, as a host that dies. */
  public void kill(int index) throws InterruptedException {
    instances.get(index).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * Creates {@value #LEDGER} for Bank A to Bank F from payments-netting and waits until it is
   * ACTIVE with its three orderers and six peers on the instances; returns {@code patchwork
   * ledger}'s output.
   */
  public String createLedger() throws Exception {
    List<String> args =
        new ArrayList<>(List.of("create-ledger", LEDGER, "--template", "payments-netting"));
    for (String bank : List.of("A", "B", "C", "D", "E", "F")) {
      args.addAll(List.of("--party", "Bank " + bank + ":Bank" + bank + "MSP"));
    }
    Cli.ok(operator(), args.toArray(String[]::new));
    return awaitLedger(view -> view.contains("ACTIVE") && count(view, "on instance ") == 9);
  }

  /**
   * Bank A joins from its host with its own peer and an orderer's keys, Bank B from its host with
   * its own peer, Banks C and D from this machine to vote; waits until both peers run.
   */
  public void joinMembers() throws Exception {
    Process peerA =
        network.start(
            bankAHost,
            TestNetwork.java(
                Main.class.getName(),
                join(
                    "a",
                    2,
                    "--run-peer",
                    "--with-orderer",
                    "banka-orderer",
                    "--advertise",
                    bankAAdvertised,
                    "--bind",
                    bankAHost.address())),
            Map.of(),
            directory.resolve("banka.log"));
    Process peerB =
        network.start(
            bankBHost,
            TestNetwork.java(
                Main.class.getName(),
                join(
                    "b",
                    1,
                    "--run-peer",
                    "--advertise",
                    bankBAdvertised,
                    "--bind",
                    bankBHost.address())),
            Map.of(),
            directory.resolve("bankb.log"));
    TestNetwork.awaitOutput(
        peerA, directory.resolve("banka.log"), "is running", Duration.ofSeconds(120));
    TestNetwork.awaitOutput(
        peerB, directory.resolve("bankb.log"), "is running", Duration.ofSeconds(120));
    for (String bank : List.of("c", "d")) {
      Cli.ok(List.of(), join(bank, 0));
    }
  }

  /**
   * {@code patchwork join} for Bank {@code bank} with an invite for {@code nodes} peers of its own,
   * followed by {@code more}.
   */
  private String[] join(String bank, int nodes, String... more) {
    String mspId = "Bank" + bank.toUpperCase() + "MSP";
    Matcher token =
        Pattern.compile("(pwi_\\S+)")
            .matcher(
                Cli.ok(operator(), "invite", LEDGER, mspId, "--nodes", Integer.toString(nodes)));
    if (!token.find()) {
      throw new IllegalStateException("no invite token printed for " + mspId);
    }
    List<String> args =
        new ArrayList<>(
            List.of(
                "join",
                LEDGER,
                "--url",
                url,
                "--ca-file",
                authority.toString(),
                "--invite",
                token.group(1),
                "--organization",
                "Bank " + bank.toUpperCase(),
                "--msp-id",
                mspId,
                "--out",
                member(bank).toString()));
    args.addAll(Arrays.asList(more));
    return args.toArray(String[]::new);
  }

  /**
   * Bank A proposes its own orderer (on its host, at its delayed address), Banks A to D vote yes,
   * and Bank A starts it; waits until the ledger view lists it at config sequence 1.
   */
  public String voteInBankAOrderer() throws Exception {
    Path bankA = member("a");
    Matcher proposal =
        Pattern.compile("proposal (\\S+) recorded")
            .matcher(
                Cli.ok(
                    memberConnection(bankA),
                    "propose",
                    LEDGER,
                    "--add-orderer",
                    bankA.resolve("orderer").toString(),
                    "--orderer-host",
                    bankAAdvertised,
                    "--orderer-port",
                    Integer.toString(MEMBER_ORDERER_PORT),
                    "--orderer-raft-port",
                    Integer.toString(MEMBER_RAFT_PORT),
                    "--admin-msp",
                    bankA.resolve("admin/msp").toString()));
    if (!proposal.find()) {
      throw new IllegalStateException("Bank A's orderer proposal was not recorded");
    }
    for (String voter : List.of("a", "b", "c", "d")) {
      Cli.ok(
          memberConnection(member(voter)),
          "vote",
          LEDGER,
          proposal.group(1),
          "yes",
          "--admin-msp",
          member(voter).resolve("admin/msp").toString());
    }
    Path log = directory.resolve("banka-orderer.log");
    Process orderer =
        network.start(
            bankAHost,
            TestNetwork.addedOrderer(
                bankA.resolve("orderer"), "banka-orderer", bankAHost.address()),
            Map.of(),
            log);
    TestNetwork.awaitOutput(orderer, log, "is running", Duration.ofSeconds(60));
    return awaitLedger(
        view ->
            view.contains("config sequence 1")
                && view.contains(bankAAdvertised + ":" + MEMBER_ORDERER_PORT));
  }

  /** Polls {@code patchwork ledger} until its output passes {@code ready}; returns it. */
  public String awaitLedger(Predicate<String> ready) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      Cli.Result shown = Cli.run(operator(), "ledger", LEDGER);
      last = shown.out() + shown.err();
      if (shown.exit() == 0 && ready.test(shown.out())) {
        return shown.out();
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the ledger did not show as expected:\n" + last);
  }

  /**
   * The manager instance whose orderer leads the Raft group, or empty if a member's orderer leads
   * (or none does just now).
   */
  public Optional<Integer> leaderInstance() throws Exception {
    for (String line : Cli.ok(operator(), "ledger", LEDGER).lines().toList()) {
      if (line.contains("(Raft leader)")) {
        for (int i = 0; i < INSTANCES; i++) {
          if (line.contains(" " + advertised.get(i) + ":")) {
            return Optional.of(i);
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Runs {@link GatewayProbe} on {@code host} as the member whose join folder is {@code member}
   * until it prints an outcome or {@code patience} passes: {@code submit record ID DEBTOR CREDITOR}
   * records 5 EUR, {@code evaluate get ID} reads an obligation.
   */
  public String probe(
      TestNetwork.Host host, Path member, Duration patience, String mode, String... call)
      throws Exception {
    List<String> args = new ArrayList<>(List.of(member.toString(), mode, "obligations"));
    args.addAll(Arrays.asList(call));
    if (call[0].equals("record")) {
      args.addAll(List.of("EUR", "5"));
    }
    return runProbe(host, patience, args);
  }

  /**
   * What each peer of {@code endpoints} vouches the state was after block {@code block} ("result
   * BLOCK_HASH:STATE_HASH ..." in their order), asked from {@code host} as the member whose join
   * folder is {@code member}, retried until all have reached that block or {@code patience} passes.
   */
  public String stateHashes(
      TestNetwork.Host host, Path member, long block, List<String> endpoints, Duration patience)
      throws Exception {
    List<String> args =
        new ArrayList<>(List.of(member.toString(), "state-hash", Long.toString(block)));
    args.addAll(endpoints);
    return runProbe(host, patience, args);
  }

  private String runProbe(TestNetwork.Host host, Duration patience, List<String> args)
      throws Exception {
    return GatewayProbe.runOn(network, host, directory, patience, args);
  }

  public static int count(String text, String part) {
    return text.split(Pattern.quote(part), -1).length - 1;
  }

  /** Kills every process and deletes the hosts. */
  @Override
  public void close() {
    network.close();
  }
}
