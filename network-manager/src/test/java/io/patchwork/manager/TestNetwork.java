package io.patchwork.manager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.core.throttle.DelayThrottler;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Separate hosts on this machine for tests of what crosses a network: each host is a Linux network
 * namespace with its own loopback and one interface on a test subnet, all joined by a bridge that
 * lives in a namespace of its own. The machine joins the subnet through one more leg (its address
 * ends in .1), so that a test can reach the hosts and offer them services of its own (a relay to
 * the machine's PostgreSQL, a delaying proxy). Hosts run programs as separate processes; a host can
 * be cut off (its link down) and healed.
 *
 * <p>Everything it makes carries the network's tag in its name and is deleted by {@link #close}
 * (processes killed, namespaces and links deleted) — also what an earlier run with the same tag
 * left behind after a crash, which {@link #create} deletes first. Needs root and {@code ip} from
 * iproute2; {@link #unavailable} says why it cannot run here.
 */
public final class TestNetwork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TestNetwork.class);

  /** One host: its namespace, its address on the test subnet, the bridge port that links it. */
  public record Host(String name, String namespace, String address, String bridgePort) {}

  private final String tag;
  private final String subnet;
  private final String bridgeNamespace;
  private final String rootLink;
  private final Map<String, Host> hosts = new LinkedHashMap<>();
  private final List<Process> processes = new ArrayList<>();
  private final Map<Process, Host> hostOf = new LinkedHashMap<>();
  private final List<TcpCrusher> relays = new ArrayList<>();
  private NioReactor reactor;
  private final Thread cleanup = new Thread(this::deleteAll, "test-network-cleanup");

  private TestNetwork(String tag, int subnet) {
    this.tag = tag;
    this.subnet = "10.213." + subnet;
    this.bridgeNamespace = "pw" + tag + "-switch";
    this.rootLink = "pw" + tag + "r";
  }

  /** Why namespaces cannot be made here, or empty if they can. */
  public static Optional<String> unavailable() {
    if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")) {
      return Optional.of("network namespaces need Linux");
    }
    String probe = "pwprobe" + ProcessHandle.current().pid();
    try {
      Result added = exec(List.of("ip", "netns", "add", probe));
      if (added.exit() != 0) {
        return Optional.of("`ip netns add` failed (needs root and iproute2): " + added.output());
      }
      exec(List.of("ip", "netns", "del", probe));
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("`ip` (iproute2) is not installed: " + e.getMessage());
    }
  }

  /**
   * Makes the bridge and the machine's leg for a network tagged {@code tag} (a few letters, unique
   * per test class) on {@code 10.213.<subnet>.0/24}.
   */
  public static TestNetwork create(String tag, int subnet) throws IOException {
    TestNetwork network = new TestNetwork(tag, subnet);
    network.deleteLeftovers();
    Runtime.getRuntime().addShutdownHook(network.cleanup);
    try {
      network.ip("netns", "add", network.bridgeNamespace);
      network.ipIn(network.bridgeNamespace, "link", "add", "br0", "type", "bridge");
      network.ipIn(network.bridgeNamespace, "link", "set", "br0", "up");
      String bridgeSide = network.rootLink + "b";
      network.ip("link", "add", network.rootLink, "type", "veth", "peer", "name", bridgeSide);
      network.ip("link", "set", bridgeSide, "netns", network.bridgeNamespace);
      network.ipIn(network.bridgeNamespace, "link", "set", bridgeSide, "master", "br0", "up");
      network.ip("addr", "add", network.subnet + ".1/24", "dev", network.rootLink);
      network.ip("link", "set", network.rootLink, "up");
      return network;
    } catch (IOException | RuntimeException e) {
      network.close();
      throw e;
    }
  }

  /** The machine's own address on the test subnet. */
  public String machineAddress() {
    return subnet + ".1";
  }

  /** Adds a host named {@code name}, linked to the bridge, with the next address. */
  public synchronized Host addHost(String name) throws IOException {
    int index = hosts.size() + 1;
    String namespace = "pw" + tag + "-" + name;
    String inside = "pw" + tag + index + "h";
    String bridgePort = "pw" + tag + index + "b";
    Host host = new Host(name, namespace, subnet + "." + (10 + index), bridgePort);
    hosts.put(name, host);
    ip("netns", "add", namespace);
    ipIn(namespace, "link", "set", "lo", "up");
    ip("link", "add", inside, "type", "veth", "peer", "name", bridgePort);
    ip("link", "set", inside, "netns", namespace);
    ip("link", "set", bridgePort, "netns", bridgeNamespace);
    ipIn(bridgeNamespace, "link", "set", bridgePort, "master", "br0", "up");
    ipIn(namespace, "addr", "add", host.address() + "/24", "dev", inside);
    ipIn(namespace, "link", "set", inside, "up");
    return host;
  }

  /**
   * Starts {@code command} on {@code host} with {@code environment} added, output (both streams) to
   * {@code log}. The process is killed when the network closes.
   */
  public synchronized Process start(
      Host host, List<String> command, Map<String, String> environment, Path log)
      throws IOException {
    List<String> inHost = new ArrayList<>(List.of("ip", "netns", "exec", host.namespace()));
    inHost.addAll(command);
    ProcessBuilder builder =
        new ProcessBuilder(inHost).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    Process process = builder.start();
    processes.add(process);
    hostOf.put(process, host);
    return process;
  }

  /**
   * The command line that runs a member's orderer voted in after genesis from the folder {@code
   * patchwork join --with-orderer} wrote, listening on {@code bind}.
   */
  public static List<String> addedOrderer(Path folder, String nodeId, String bind) {
    return java(
        Main.class.getName(),
        "node",
        "run",
        "--added-orderer",
        "--genesis",
        folder.resolve("genesis.block").toString(),
        "--node-id",
        nodeId,
        "--msp",
        folder.resolve("msp").toString(),
        "--tls",
        folder.resolve("tls").toString(),
        "--data-dir",
        folder.resolve("data").toString(),
        "--bind",
        bind);
  }

  /** A Java command line running {@code mainClass} with this test's class path. */
  public static List<String> java(String mainClass, String... args) {
    return java(List.of("-Xmx768m"), mainClass, args);
  }

  /**
   * As {@link #java(String, String...)}, for a program that runs a few seconds (a probe): the quick
   * compiler only and a small heap, which start faster on a busy machine.
   */
  public static List<String> shortLivedJava(String mainClass, String... args) {
    return java(
        List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), mainClass, args);
  }

  private static List<String> java(List<String> options, String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(options);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    return command;
  }

  /**
   * Waits until {@code log} contains {@code text}; fails with the log if the process dies first.
   */
  public static String awaitOutput(Process process, Path log, String text, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String output = Files.exists(log) ? Files.readString(log) : "";
      if (output.contains(text)) {
        return output;
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError(
            (process.isAlive() ? "no \"" + text + "\" within " + timeout : "the process exited")
                + ":\n"
                + output);
      }
      Thread.sleep(100);
    }
  }

  /**
   * A TCP relay on the machine's address that delays every byte by {@code oneWayDelay} in each
   * direction before passing it to {@code target:targetPort}: latency between hosts (this kernel
   * has no {@code netem}). Hosts that connect to {@code machineAddress():port} instead of the
   * target see a round trip of twice the delay more.
   *
   * @return the relay's port on the machine's address
   */
  public synchronized int relay(String target, int targetPort, Duration oneWayDelay)
      throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    relays.add(delaying(machineAddress(), port, target, targetPort, oneWayDelay));
    return port;
  }

  private TcpCrusher delaying(
      String bindAddress, int bindPort, String target, int targetPort, Duration oneWayDelay) {
    if (reactor == null) {
      try {
        reactor = new NioReactor();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    long delayNanos = oneWayDelay.toNanos();
    TcpCrusherBuilder relay =
        TcpCrusherBuilder.builder()
            .withReactor(reactor)
            .withBindAddress(bindAddress, bindPort)
            .withConnectAddress(target, targetPort);
    if (delayNanos > 0) {
      relay
          .withIncomingThrottlerFactory(
              address -> new DelayThrottler(delayNanos, TimeUnit.NANOSECONDS))
          .withOutgoingThrottlerFactory(
              address -> new DelayThrottler(delayNanos, TimeUnit.NANOSECONDS));
    }
    return relay.buildAndOpen();
  }

  /**
   * The address at which {@code host}'s {@code ports} are reached with {@code oneWayDelay} added in
   * each direction: a second address of the machine's leg on the test subnet ({@code .1xx} for the
   * host at {@code .xx}), each port of it relayed to the same port of the host. A program on the
   * host that advertises this address (and binds its own) is then reached by every other host — and
   * by itself — one delayed round trip further away; its own outgoing connections are delayed by
   * the relays of the hosts it reaches. With no delay it is the host's own address.
   */
  public synchronized String delayedAddress(
      Host host, Duration oneWayDelay, Collection<Integer> ports) throws IOException {
    if (oneWayDelay.isZero()) {
      return host.address();
    }
    String last = host.address().substring(host.address().lastIndexOf('.') + 1);
    String address = subnet + "." + (100 + Integer.parseInt(last));
    ip("addr", "add", address + "/32", "dev", rootLink);
    for (int port : ports) {
      relays.add(delaying(address, port, host.address(), port, oneWayDelay));
    }
    return address;
  }

  /** Cuts {@code host} off the network: its bridge port goes down. */
  public void cut(Host host) throws IOException {
    ipIn(bridgeNamespace, "link", "set", host.bridgePort(), "down");
  }

  /** Links {@code host} to the network again. */
  public void heal(Host host) throws IOException {
    ipIn(bridgeNamespace, "link", "set", host.bridgePort(), "up");
  }

  /**
   * The CPU time the processes started on each host have used so far (those still running, and
   * those that ended: the time of a killed process is gone with it), by host name.
   */
  public synchronized Map<String, Duration> cpuByHost() {
    Map<String, Duration> used = new LinkedHashMap<>();
    hostOf.forEach(
        (process, host) ->
            process
                .info()
                .totalCpuDuration()
                .ifPresent(cpu -> used.merge(host.name(), cpu, Duration::plus)));
    return used;
  }

  /** Kills the processes, then deletes the namespaces and links this network made. */
  @Override
  public void close() {
    deleteAll();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // The JVM is shutting down and runs the hook itself.
    }
  }

  private synchronized void deleteAll() {
    relays.forEach(TcpCrusher::close);
    relays.clear();
    if (reactor != null) {
      reactor.close();
      reactor = null;
    }
    for (Process process : processes) {
      process.destroyForcibly();
    }
    for (Process process : processes) {
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
    hostOf.clear();
    hosts.clear();
    deleteLeftovers();
  }

  /** Deletes every namespace and link carrying this network's tag, with whatever runs in them. */
  private void deleteLeftovers() {
    try {
      String prefix = "pw" + tag + "-";
      for (String line : exec(List.of("ip", "netns", "list")).output().split("\n")) {
        String namespace = line.split(" ")[0].trim();
        if (namespace.startsWith(prefix)) {
          for (String pid : exec(List.of("ip", "netns", "pids", namespace)).output().split("\n")) {
            if (!pid.isBlank()) {
              exec(List.of("kill", "-9", pid.trim()));
            }
          }
          exec(List.of("ip", "netns", "del", namespace));
        }
      }
      exec(List.of("ip", "link", "del", rootLink));
    } catch (IOException e) {
      log.warn("test_network.cleanup_failed tag={}", tag, e);
    }
  }

  private void ip(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    checked(command);
  }

  private void ipIn(String namespace, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("ip", "-n", namespace));
    command.addAll(List.of(args));
    checked(command);
  }

  private static void checked(List<String> command) throws IOException {
    Result result = exec(command);
    if (result.exit() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + result.output());
    }
  }

  private record Result(int exit, String output) {}

  private static Result exec(List<String> command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(process.waitFor(), output.trim());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted while running " + command, e);
    }
  }
}
