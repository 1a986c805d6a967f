package io.patchwork.node.host;

import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.Passphrase;
import io.patchwork.node.api.FabricChaincode;
import io.patchwork.node.api.FabricChannelImport;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.LedgerError;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.LedgerHost;
import io.patchwork.node.api.LedgerPlan;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.channel.FabricChannel;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.contract.ChaincodePackage;
import io.patchwork.node.contract.ContractRegistry;
import io.patchwork.node.contract.ExternalChaincode;
import io.patchwork.node.contract.builtin.BuiltInContracts;
import io.patchwork.node.store.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger host of the network manager: every node of each ledger runs in this process ({@link
 * LocalLedger}), listening on the host's bind address and reached at its advertised one. A ledger's
 * directory holds {@code nodes/} (one data directory per node) and {@code credentials/} (its {@link
 * CredentialFolder}). Thread-safe.
 */
public final class EmbeddedLedgers implements LedgerHost {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedLedgers.class);
  static final String NODES = "nodes";

  /** Where a ledger's chaincode packages are kept, one {@code <name>.tar.gz} each. */
  static final String CHAINCODE = "chaincode";

  private static final String PACKAGE_SUFFIX = ".tar.gz";

  /** The folder of a ledger's directory that holds its nodes' credentials and genesis block. */
  public static final String CREDENTIALS = "credentials";

  private final ContractRegistry contracts;
  private final Clock clock;
  private final NodeAddresses addresses;
  private final Optional<Passphrase> keyPassphrase;

  /** A host on loopback running the built-in contracts on the system clock. */
  public EmbeddedLedgers() {
    this(NodeAddresses.loopback());
  }

  /**
   * A host whose nodes listen on {@code addresses.bind()} and are reached at {@code
   * addresses.advertised()}, running the built-in contracts on the system clock.
   */
  public EmbeddedLedgers(NodeAddresses addresses) {
    this(BuiltInContracts.registry(), Clock.systemUTC(), addresses);
  }

  public EmbeddedLedgers(ContractRegistry contracts, Clock clock, NodeAddresses addresses) {
    this(contracts, clock, addresses, Optional.empty());
  }

  private EmbeddedLedgers(
      ContractRegistry contracts,
      Clock clock,
      NodeAddresses addresses,
      Optional<Passphrase> keyPassphrase) {
    this.contracts = Objects.requireNonNull(contracts, "contracts");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.addresses = Objects.requireNonNull(addresses, "addresses");
    this.keyPassphrase = Objects.requireNonNull(keyPassphrase, "keyPassphrase");
  }

  /**
   * This host, keeping its nodes' private keys sealed with {@code passphrase} ({@link
   * io.patchwork.ca.KeySeal}) instead of in the clear (owner-only files either way).
   */
  public EmbeddedLedgers sealingKeysWith(Passphrase passphrase) {
    return new EmbeddedLedgers(contracts, clock, addresses, Optional.of(passphrase));
  }

  @Override
  public HostedLedger create(LedgerPlan plan) throws LedgerException {
    List<ExternalChaincode> chaincode;
    try {
      chaincode = install(plan.directory().resolve(CHAINCODE), plan.chaincode());
    } catch (IOException | RuntimeException e) {
      throw new LedgerException(
          LedgerError.NODE_FAILED,
          "the ledger's chaincode was not installed: " + e.getMessage(),
          e);
    }
    List<String> pinned = new ArrayList<>(plan.contracts());
    plan.chaincode().forEach(external -> pinned.add(external.name()));
    LocalLedgerBuilder builder =
        LocalLedger.builder()
            .ledgerId(plan.ledgerId())
            .authority(plan.authority())
            .orderers(plan.orderers())
            .peersPerOrganization(plan.peersPerOrganization())
            .endorsement(plan.endorsement())
            .blockCutting(plan.blockCutting())
            .voting(plan.voting())
            .commitStatus(plan.commitStatus())
            .lifecycle(plan.lifespan(), plan.upgradeWindow())
            .contracts(contracts.with(chaincode), pinned)
            .clock(clock)
            .addresses(addresses)
            .dataDirectory(plan.directory().resolve(NODES))
            .keepCredentials(plan.directory().resolve(CREDENTIALS), keyPassphrase)
            .remoteOrderers(plan.remoteOrderers());
    for (LedgerPlan.Party member : plan.members()) {
      Optional<FabricChannel.Organization> fabric =
          plan.imported().flatMap(channel -> channel.organization(member.mspId()));
      if (fabric.isPresent()) {
        builder.member(member.organization(), fabric.get());
      } else {
        builder.member(member.organization(), member.mspId());
      }
    }
    plan.opening().ifPresent(builder::opening);
    plan.imported().flatMap(FabricChannelImport::state).ifPresent(builder::importedState);
    try {
      return new EmbeddedLedger(builder.start(), plan.directory(), clock, chaincode);
    } catch (LedgerException e) {
      closeAll(chaincode);
      throw e;
    } catch (ConfigException e) {
      closeAll(chaincode);
      throw new LedgerException(LedgerError.INVALID_PLAN, e.getMessage(), e);
    } catch (CaException e) {
      closeAll(chaincode);
      throw new LedgerException(
          LedgerError.NODE_FAILED, "the nodes' certificates were not issued: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      closeAll(chaincode);
      throw new LedgerException(
          LedgerError.NODE_FAILED, "the ledger's nodes did not start: " + e.getMessage(), e);
    }
  }

  @Override
  public HostedLedger reopen(Path directory, CertificateAuthority authority)
      throws LedgerException {
    List<ExternalChaincode> chaincode = List.of();
    try {
      chaincode = installed(directory.resolve(CHAINCODE));
      return new EmbeddedLedger(
          open(
              directory.resolve(CREDENTIALS),
              directory.resolve(NODES),
              authority,
              contracts.with(chaincode),
              clock,
              addresses,
              false,
              keyPassphrase),
          directory,
          clock,
          chaincode);
    } catch (IOException | ConfigException | CaException | RuntimeException e) {
      closeAll(chaincode);
      throw new LedgerException(
          LedgerError.NODE_FAILED, "the ledger did not start again: " + e.getMessage(), e);
    }
  }

  @Override
  public HostedLedger takeOver(Path directory, CertificateAuthority authority)
      throws LedgerException {
    List<ExternalChaincode> chaincode = List.of();
    try {
      chaincode = installed(directory.resolve(CHAINCODE));
      EmbeddedLedger ledger =
          new EmbeddedLedger(
              open(
                  directory.resolve(CREDENTIALS),
                  directory.resolve(NODES),
                  authority,
                  contracts.with(chaincode),
                  clock,
                  addresses,
                  true,
                  keyPassphrase),
              directory,
              clock,
              chaincode);
      ledger.announceMovedPeers();
      return ledger;
    } catch (IOException | ConfigException | CaException | RuntimeException e) {
      closeAll(chaincode);
      throw new LedgerException(
          LedgerError.NODE_FAILED, "the ledger's peers did not start here: " + e.getMessage(), e);
    }
  }

  /**
   * Starts again a ledger whose credentials were kept ({@link LocalLedgerBuilder#keepCredentials})
   * after its process stopped or crashed: every node recovers from its data and catches up.
   */
  static LocalLedger reopen(
      Path credentials,
      Path dataDirectory,
      CertificateAuthority authority,
      ContractRegistry contracts,
      Clock clock,
      NodeAddresses addresses)
      throws IOException, ConfigException {
    try {
      return open(
          credentials,
          dataDirectory,
          authority,
          contracts,
          clock,
          addresses,
          false,
          Optional.empty());
    } catch (CaException e) {
      throw new IllegalStateException("reopening issues no certificate", e);
    }
  }

  /**
   * Starts a ledger from its kept credentials: again on its data ({@code relocate} false), or anew
   * on this host ({@code relocate} true) — every peer on a port of this host with new certificates
   * from {@code authority} naming this host, from no data (they catch up from the orderers),
   * recorded as moved; no orderer is started or kept (each stays on its own host).
   */
  private static LocalLedger open(
      Path credentials,
      Path dataDirectory,
      CertificateAuthority authority,
      ContractRegistry contracts,
      Clock clock,
      NodeAddresses addresses,
      boolean relocate,
      Optional<Passphrase> keyPassphrase)
      throws IOException, ConfigException, CaException {
    CredentialFolder folder = CredentialFolder.open(credentials, keyPassphrase);
    folder.recoverAll();
    Block genesis = folder.genesis();
    LedgerRules rules = LedgerConfigs.fromGenesis(genesis);
    LedgerConfig config = rules.config();
    List<Peer> added =
        folder.memberPeers(
            config.getPeersCount() > 0 ? config.getPeers(0).getHost() : addresses.advertised());
    List<Peer> moved = folder.movedPeers();
    if (relocate) {
      FileTrees.delete(dataDirectory);
      for (Orderer orderer : config.getOrderersList()) {
        folder.remove(orderer.getNodeId());
      }
      added = here(added, addresses);
      moved = here(config.getPeersList(), addresses);
    }
    // A node whose credentials are gone was voted out — an orderer of the ordering group, a peer
    // with its member: not started again.
    added = added.stream().filter(p -> folder.holds(p.getNodeId())).toList();
    moved = moved.stream().filter(p -> folder.holds(p.getNodeId())).toList();
    LedgerConfig hosted =
        config.toBuilder()
            .clearOrderers()
            .addAllOrderers(
                config.getOrderersList().stream().filter(o -> folder.holds(o.getNodeId())).toList())
            .clearPeers()
            .addAllPeers(
                config.getPeersList().stream().filter(p -> folder.holds(p.getNodeId())).toList())
            .build();
    Map<String, String> nodes = new LinkedHashMap<>();
    hosted.getOrderersList().forEach(o -> nodes.put(o.getNodeId(), o.getMspId()));
    hosted.getPeersList().forEach(p -> nodes.put(p.getNodeId(), p.getMspId()));
    added.forEach(p -> nodes.put(p.getNodeId(), p.getMspId()));
    Map<String, NodeCredentials> identities = new LinkedHashMap<>();
    for (Map.Entry<String, String> node : nodes.entrySet()) {
      NodeFiles.Credentials files = folder.node(node.getKey());
      NodeLauncher.NodeIdentity identity =
          files.identity(node.getKey(), node.getValue(), rules.tlsTrust());
      identities.put(
          node.getKey(),
          new NodeCredentials(
              node.getKey(),
              node.getValue(),
              identity.signer(),
              files.signingKey(),
              identity.tls()));
    }
    LedgerCredentials credentialSet =
        new LedgerCredentials(
            rules.ledgerId(),
            identities,
            config.getMembersList(),
            authority.chain(),
            rules.tlsTrust(),
            Optional.of(folder),
            addresses);
    if (relocate) {
      for (Peer peer : moved) {
        credentialSet.install(
            credentialSet.reissuePeer(peer.getNodeId(), authority), authority.chain());
      }
      for (Peer peer : added) {
        credentialSet.install(
            credentialSet.reissuePeer(peer.getNodeId(), authority), authority.chain());
      }
      folder.writePeers(added, moved);
      log.info(
          "ledger.peers_relocated ledger={} peers={} host={}",
          rules.ledgerId(),
          moved.size() + added.size(),
          addresses.advertised());
    }
    NodeSet nodeSet =
        new NodeSet(
            hosted,
            genesis,
            added,
            moved,
            addresses,
            dataDirectory,
            id -> credentialSet.node(id).identity(),
            contracts,
            clock);
    LocalLedger ledger = LocalLedger.start(config, genesis, credentialSet, nodeSet, dataDirectory);
    log.info("ledger.reopened ledger={} nodes={}", ledger.ledgerId(), identities.size());
    return ledger;
  }

  /** The peers, each at this host's advertised address on a free port of its range. */
  private static List<Peer> here(List<Peer> peers, NodeAddresses addresses) {
    return peers.stream()
        .map(
            p ->
                p.toBuilder()
                    .setHost(addresses.advertised())
                    .setPort(Ports.free(addresses))
                    .build())
        .toList();
  }

  /** Keeps each chaincode's package in {@code directory} and connects to its server. */
  private static List<ExternalChaincode> install(Path directory, List<FabricChaincode> chaincode)
      throws IOException {
    if (chaincode.isEmpty()) {
      return List.of();
    }
    Files.createDirectories(directory);
    for (FabricChaincode external : chaincode) {
      Files.write(directory.resolve(external.name() + PACKAGE_SUFFIX), external.bytes());
    }
    return installed(directory);
  }

  /** The chaincode whose packages {@code directory} keeps, connected (lazily) to their servers. */
  private static List<ExternalChaincode> installed(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    List<ExternalChaincode> chaincode = new ArrayList<>();
    try (var files = Files.list(directory)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (name.endsWith(PACKAGE_SUFFIX)) {
          chaincode.add(
              ExternalChaincode.connect(
                  name.substring(0, name.length() - PACKAGE_SUFFIX.length()),
                  ChaincodePackage.read(file),
                  ExternalChaincode.DEFAULT_TIMEOUT));
        }
      }
    }
    return List.copyOf(chaincode);
  }

  private static void closeAll(List<ExternalChaincode> chaincode) {
    chaincode.forEach(ExternalChaincode::close);
  }
}
