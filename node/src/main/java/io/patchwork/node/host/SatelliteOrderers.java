package io.patchwork.node.host;

import io.patchwork.ca.CaException;
import io.patchwork.ca.KeySeal;
import io.patchwork.ca.Passphrase;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.LedgerError;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.api.NodeCertificates;
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
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
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
  private static final String RENEWAL_NEW = "credentials.new";
  private static final String RENEWAL_OLD = "credentials.old";

  private final Path directory;
  private final NodeAddresses addresses;
  private final NodeLauncher.Shared shared;
  private final Map<String, Map<String, Kept>> running = new LinkedHashMap<>();

  /** A running orderer, its entry in the genesis config and the identities it uses. */
  private record Kept(
      NodeLauncher.RunningOrderer orderer, Orderer entry, NodeLauncher.NodeIdentity identity) {
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

  /** The signing and TLS certificates each of the ledger's orderers here uses now. */
  public synchronized Map<String, NodeCertificates> certificates(String ledgerId) {
    Map<String, NodeCertificates> certificates = new LinkedHashMap<>();
    running
        .getOrDefault(ledgerId, Map.of())
        .forEach(
            (nodeId, kept) ->
                certificates.put(
                    nodeId,
                    new NodeCertificates(
                        kept.identity().signer().certificate(),
                        kept.identity().tls().certificate())));
    return certificates;
  }

  /**
   * Puts renewals of an orderer's certificates — the same keys, certified again by the ledger's
   * authority — in use at once (it signs with and presents them from now on, without a restart) and
   * in its folder, so that it restarts with them.
   *
   * @param authorityChain the issuing authority's chain, its root last
   * @throws LedgerException NODE_FAILED if the orderer does not run here, a renewal certifies
   *     another key, or the folder cannot be written
   */
  public synchronized void renewCertificates(
      String ledgerId,
      String nodeId,
      Optional<X509Certificate> signing,
      Optional<X509Certificate> tls,
      List<X509Certificate> authorityChain)
      throws LedgerException {
    Kept kept = running.getOrDefault(ledgerId, Map.of()).get(nodeId);
    if (kept == null) {
      throw new LedgerException(
          LedgerError.NODE_FAILED,
          "orderer " + nodeId + " of ledger " + ledgerId + " does not run here");
    }
    Path folder = folder(ledgerId, nodeId);
    try {
      NodeFiles.Credentials files = NodeFiles.read(folder, seal());
      NodeTransport.TlsIdentity presented = kept.identity().tls();
      List<X509Certificate> tlsChain = new ArrayList<>();
      tlsChain.add(tls.orElse(presented.certificate()));
      tlsChain.addAll(presented.chain());
      NodeFiles.Credentials renewed =
          new NodeFiles.Credentials(
              signing.orElse(kept.identity().signer().certificate()),
              files.signingKey(),
              tlsChain,
              files.tlsKey());
      // The renewals must certify the keys in use: checked before anything changes.
      if (!Arrays.equals(
              renewed.signingCertificate().getPublicKey().getEncoded(),
              files.signingCertificate().getPublicKey().getEncoded())
          || !Arrays.equals(
              renewed.tlsCertificate().getPublicKey().getEncoded(),
              files.tlsCertificate().getPublicKey().getEncoded())) {
        throw new IllegalArgumentException("a renewal certifies another key than the orderer's");
      }
      replaceCredentials(folder, authorityChain, renewed);
      signing.ifPresent(kept.identity().signer()::renew);
      tls.ifPresent(certificate -> presented.renew(certificate, presented.chain()));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new LedgerException(
          LedgerError.NODE_FAILED,
          "orderer " + nodeId + "'s renewed certificates cannot be put in use: " + e.getMessage(),
          e);
    }
    log.info(
        "satellite.certificates_renewed ledger={} node={} signing_until={} tls_until={}",
        ledgerId,
        nodeId,
        signing.map(c -> c.getNotAfter().toInstant()).orElse(null),
        tls.map(c -> c.getNotAfter().toInstant()).orElse(null));
  }

  /**
   * Writes new {@code msp/} and {@code tls/} folders beside the orderer's data, complete, then puts
   * them in place of the old ones; a crash in between is finished by {@link #recoverRenewal}.
   */
  private void replaceCredentials(
      Path folder, List<X509Certificate> authorityChain, NodeFiles.Credentials credentials)
      throws IOException {
    Path fresh = folder.resolve(RENEWAL_NEW);
    Path old = folder.resolve(RENEWAL_OLD);
    FileTrees.delete(fresh);
    FileTrees.delete(old);
    NodeFiles.write(fresh, authorityChain, credentials, seal());
    Files.createDirectories(old);
    for (String part : List.of(NodeFiles.MSP, NodeFiles.TLS)) {
      Files.move(folder.resolve(part), old.resolve(part), StandardCopyOption.ATOMIC_MOVE);
      Files.move(fresh.resolve(part), folder.resolve(part), StandardCopyOption.ATOMIC_MOVE);
    }
    FileTrees.delete(fresh);
    FileTrees.delete(old);
  }

  /**
   * Finishes a credentials replacement a crash interrupted: a part missing from the folder is taken
   * from the complete new set, else back from the old one.
   */
  private static void recoverRenewal(Path folder) throws IOException {
    Path fresh = folder.resolve(RENEWAL_NEW);
    Path old = folder.resolve(RENEWAL_OLD);
    if (!Files.exists(fresh) && !Files.exists(old)) {
      return;
    }
    for (String part : List.of(NodeFiles.MSP, NodeFiles.TLS)) {
      if (!Files.exists(folder.resolve(part))) {
        Path from = Files.exists(fresh.resolve(part)) ? fresh : old;
        Files.move(from.resolve(part), folder.resolve(part), StandardCopyOption.ATOMIC_MOVE);
      }
    }
    FileTrees.delete(fresh);
    FileTrees.delete(old);
    log.info("satellite.renewal_recovered folder={}", folder);
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
    recoverRenewal(folder);
    NodeLauncher.NodeIdentity identity =
        NodeFiles.read(folder, seal()).identity(nodeId, entry.getMspId(), rules.tlsTrust());
    NodeLauncher.RunningOrderer orderer =
        NodeLauncher.startOrderer(
            genesis, identity, folder.resolve(DATA), addresses.bind(), shared);
    Kept kept = new Kept(orderer, entry, identity);
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
