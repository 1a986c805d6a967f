package io.patchwork.node.host;

import io.patchwork.ca.CaException;
import io.patchwork.ca.KeySeal;
import io.patchwork.ca.Passphrase;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.LedgerError;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.api.OrdererHandover;
import io.patchwork.node.api.OrdererSlot;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.contract.builtin.BuiltInContracts;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.state.StateResources;
import io.patchwork.node.store.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.hyperledger.fabric.protos.common.Block;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orderers this process runs for ledgers whose other nodes run elsewhere (on other manager
 * instances). Each reserved its slot here ({@link #reserve}), was handed its credentials and the
 * genesis block ({@link #start}), and keeps them with its data in a folder of its own, so that it
 * comes back after a restart ({@link #resumeAll}):
 *
 * <pre>
 * &lt;directory&gt;/&lt;ledgerId&gt;/&lt;nodeId&gt;/genesis.block   the ledger's genesis block
 * &lt;directory&gt;/&lt;ledgerId&gt;/&lt;nodeId&gt;/msp/, tls/       its credentials ({@link NodeFiles})
 * &lt;directory&gt;/&lt;ledgerId&gt;/&lt;nodeId&gt;/data/            its Raft log and blocks
 * </pre>
 *
 * An orderer the members vote out of the ordering group stops and is deleted once the group no
 * longer holds it. Thread-safe.
 */
public final class SatelliteOrderers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SatelliteOrderers.class);
  private static final String DATA = "data";

  private final Path directory;
  private final NodeAddresses addresses;
  private final NodeLauncher.Shared shared;
  private final Map<String, Map<String, Kept>> running = new LinkedHashMap<>();

  /** A running orderer and its entry in the genesis config. */
  private record Kept(NodeLauncher.RunningOrderer orderer, Orderer entry) {
    HostedNode view() {
      return new OrdererView(orderer.node(), entry);
    }
  }

  private volatile BiConsumer<String, String> removed = (ledger, node) -> {};
  private final Optional<Passphrase> passphrase;
  private Optional<KeySeal> seal;

  /** The seal of the keys kept here, opened on first use (deriving its key takes a moment). */
  private synchronized Optional<KeySeal> seal() throws IOException {
    if (seal == null) {
      if (passphrase.isEmpty()) {
        seal = Optional.empty();
      } else {
        try {
          seal = Optional.of(KeySeal.open(directory, passphrase.get()));
        } catch (CaException e) {
          throw new IOException(e.getMessage(), e);
        }
      }
    }
    return seal;
  }

  /** Orderers kept under {@code directory}, listening on and reached at {@code addresses}. */
  public SatelliteOrderers(Path directory, NodeAddresses addresses) {
    this(directory, addresses, Optional.empty());
  }

  /**
   * As {@link #SatelliteOrderers(Path, NodeAddresses)}, the orderers' keys sealed with {@code
   * passphrase} if given ({@link KeySeal}, its salt kept in {@code directory}).
   */
  public SatelliteOrderers(
      Path directory, NodeAddresses addresses, Optional<Passphrase> passphrase) {
    this.directory = Objects.requireNonNull(directory, "directory");
    this.addresses = Objects.requireNonNull(addresses, "addresses");
    this.passphrase = Objects.requireNonNull(passphrase, "passphrase");
    this.shared =
        new NodeLauncher.Shared(
            NodeTransport.create(),
            new SignatureVerifier(100_000),
            // Orderers keep no world state: the smallest budget the state resources take.
            StateResources.create(8L << 20),
            Executors.newSingleThreadScheduledExecutor(
                runnable -> {
                  Thread thread = new Thread(runnable, "patchwork-satellite-timer");
                  thread.setDaemon(true);
                  return thread;
                }),
            BuiltInContracts.registry(),
            Clock.systemUTC());
  }

  /** Called with (ledger, node) once an orderer voted out of its group stopped and was deleted. */
  public void onRemoved(BiConsumer<String, String> listener) {
    this.removed = Objects.requireNonNull(listener, "listener");
  }

  /** A place for a new orderer here: this host's advertised address and two free ports. */
  public OrdererSlot reserve() {
    int port = Ports.free(addresses);
    return new OrdererSlot(addresses.advertised(), port, Ports.free(addresses));
  }

  /**
   * Keeps a handed-over orderer's credentials and genesis block and starts it; returns once it
   * serves. Nothing of it is left if it cannot start.
   *
   * @throws LedgerException INVALID_PLAN if the slot is not on this host or the genesis config does
   *     not place the orderer there, NODE_FAILED if it runs here already or did not start
   */
  public synchronized HostedNode start(OrdererHandover handover) throws LedgerException {
    if (!handover.slot().host().equals(addresses.advertised())) {
      throw new LedgerException(
          LedgerError.INVALID_PLAN,
          "orderer "
              + handover.nodeId()
              + " is placed at "
              + handover.slot().host()
              + ", not at this host's address "
              + addresses.advertised());
    }
    Path folder = folder(handover.ledgerId(), handover.nodeId());
    if (Files.exists(folder)) {
      throw new LedgerException(
          LedgerError.NODE_FAILED,
          "orderer "
              + handover.nodeId()
              + " of ledger "
              + handover.ledgerId()
              + " is here already");
    }
    try {
      NodeFiles.write(
          folder,
          handover.authorityChain(),
          new NodeFiles.Credentials(
              handover.signingCertificate(),
              handover.signingKey(),
              handover.tlsChain(),
              handover.tlsKey()),
          seal());
      Files.write(folder.resolve(NodeFiles.GENESIS), handover.genesis().toByteArray());
      HostedNode view = launch(handover.ledgerId(), handover.nodeId(), folder).view();
      log.info(
          "satellite.orderer_started ledger={} node={} port={} raft_port={}",
          handover.ledgerId(),
          handover.nodeId(),
          handover.slot().port(),
          handover.slot().raftPort());
      return view;
    } catch (IOException | GeneralSecurityException | ConfigException | RuntimeException e) {
      delete(folder);
      throw new LedgerException(
          LedgerError.NODE_FAILED,
          "orderer " + handover.nodeId() + " did not start here: " + e.getMessage(),
          e);
    }
  }

  /**
   * Starts again every orderer kept here whose ledger {@code keep} accepts, and deletes those of
   * ledgers it does not (retired or failed while this process was down). An orderer that cannot
   * start is logged and left on disk for the operator.
   *
   * @return the ledgers with an orderer running here again
   */
  public synchronized List<String> resumeAll(Predicate<String> keep) throws IOException {
    List<String> resumed = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return resumed;
    }
    List<Path> ledgers;
    try (Stream<Path> list = Files.list(directory)) {
      ledgers = list.filter(Files::isDirectory).sorted().toList();
    }
    for (Path ledger : ledgers) {
      String ledgerId = ledger.getFileName().toString();
      if (!keep.test(ledgerId)) {
        log.info("satellite.ledger_gone ledger={}; its orderers here are deleted", ledgerId);
        delete(ledger);
        continue;
      }
      List<Path> nodes;
      try (Stream<Path> list = Files.list(ledger)) {
        nodes = list.filter(Files::isDirectory).sorted().toList();
      }
      for (Path node : nodes) {
        String nodeId = node.getFileName().toString();
        if (running.getOrDefault(ledgerId, Map.of()).containsKey(nodeId)) {
          continue;
        }
        try {
          launch(ledgerId, nodeId, node);
          log.info("satellite.orderer_resumed ledger={} node={}", ledgerId, nodeId);
          if (!resumed.contains(ledgerId)) {
            resumed.add(ledgerId);
          }
        } catch (IOException | GeneralSecurityException | ConfigException | RuntimeException e) {
          log.error(
              "satellite.orderer_not_resumed ledger={} node={} reason=\"{}\"; its files stay in {}",
              ledgerId,
              nodeId,
              e.toString(),
              node);
        }
      }
    }
    return resumed;
  }

  /** Stops the ledger's orderers here and deletes their credentials and data. */
  public synchronized void abandon(String ledgerId) {
    Map<String, Kept> orderers = running.remove(ledgerId);
    if (orderers != null) {
      orderers.values().forEach(kept -> kept.orderer().close());
    }
    Path ledger = directory.resolve(ledgerId);
    if (Files.exists(ledger)) {
      delete(ledger);
      log.info("satellite.ledger_abandoned ledger={}", ledgerId);
    }
  }

  /** The ledger's orderers running here, read live. */
  public synchronized List<HostedNode> nodes(String ledgerId) {
    List<HostedNode> nodes = new ArrayList<>();
    running.getOrDefault(ledgerId, Map.of()).values().forEach(kept -> nodes.add(kept.view()));
    return nodes;
  }

  /** The ledgers with an orderer running here. */
  public synchronized List<String> ledgers() {
    return List.copyOf(running.keySet());
  }

  private Kept launch(String ledgerId, String nodeId, Path folder)
      throws IOException, GeneralSecurityException, ConfigException {
    Block genesis = Block.parseFrom(Files.readAllBytes(folder.resolve(NodeFiles.GENESIS)));
    LedgerRules rules = LedgerConfigs.fromGenesis(genesis);
    if (!rules.ledgerId().equals(ledgerId)) {
      throw new ConfigException(
          ConfigException.Code.UNKNOWN_NODE,
          "the genesis block kept for ledger "
              + ledgerId
              + " is ledger "
              + rules.ledgerId()
              + "'s");
    }
    Orderer entry = entry(rules, nodeId);
    NodeLauncher.RunningOrderer orderer =
        NodeLauncher.startOrderer(
            genesis,
            NodeFiles.read(folder, seal()).identity(nodeId, entry.getMspId(), rules.tlsTrust()),
            folder.resolve(DATA),
            addresses.bind(),
            shared);
    Kept kept = new Kept(orderer, entry);
    running.computeIfAbsent(ledgerId, id -> new LinkedHashMap<>()).put(nodeId, kept);
    orderer.node().onRemoved(() -> retire(ledgerId, nodeId));
    return kept;
  }

  /** An orderer voted out of its group: stopped, deleted, and its ledger's folder if now empty. */
  private void retire(String ledgerId, String nodeId) {
    // Called on the orderer's own thread: stop it from another.
    Thread stopper =
        new Thread(
            () -> {
              synchronized (this) {
                Map<String, Kept> orderers = running.get(ledgerId);
                Kept kept = orderers == null ? null : orderers.remove(nodeId);
                if (kept == null) {
                  return;
                }
                kept.orderer().close();
                if (orderers.isEmpty()) {
                  running.remove(ledgerId);
                }
                delete(folder(ledgerId, nodeId));
                log.info("satellite.orderer_retired ledger={} node={}", ledgerId, nodeId);
              }
              removed.accept(ledgerId, nodeId);
            },
            "patchwork-satellite-retire");
    stopper.setDaemon(true);
    stopper.start();
  }

  private static Orderer entry(LedgerRules rules, String nodeId) throws ConfigException {
    return rules.orderers().stream()
        .filter(o -> o.getNodeId().equals(nodeId))
        .findFirst()
        .orElseThrow(
            () ->
                new ConfigException(
                    ConfigException.Code.UNKNOWN_NODE,
                    "node " + nodeId + " is no orderer of ledger " + rules.ledgerId()));
  }

  private Path folder(String ledgerId, String nodeId) {
    return directory.resolve(ledgerId).resolve(nodeId);
  }

  private static void delete(Path path) {
    try {
      FileTrees.delete(path);
    } catch (IOException e) {
      log.warn("satellite.cleanup_failed path={} reason=\"{}\"", path, e.getMessage());
    }
  }

  /** Stops every orderer here; their files stay. */
  @Override
  public synchronized void close() {
    running.values().forEach(orderers -> orderers.values().forEach(k -> k.orderer().close()));
    running.clear();
    shared.scheduler().shutdownNow();
    shared.transport().close();
    shared.stateResources().close();
  }
}
