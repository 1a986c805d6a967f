package io.patchwork.node.host;

import com.google.protobuf.ByteString;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.Passphrase;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.api.OrdererHandover;
import io.patchwork.node.api.OrdererSlot;
import io.patchwork.node.api.RemoteOrderers;
import io.patchwork.node.channel.FabricChannel;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.proto.BlockCutting;
import io.patchwork.node.config.proto.CommitStatusPolicy;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.GovernancePolicy;
import io.patchwork.node.config.proto.ImportedState;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.VotingPolicy;
import io.patchwork.node.contract.ContractRegistry;
import io.patchwork.node.contract.builtin.BuiltInContracts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Builds a ledger's config and node identities ({@link GenesisPlan}), then starts it. */
public final class LocalLedgerBuilder {
  private String ledgerId;
  private CertificateAuthority authority;
  private final List<LocalLedger.Organization> organizations = new ArrayList<>();
  private int orderers = 1;
  private int peersPerOrganization = 1;
  private EndorsementPolicy policy =
      EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.MAJORITY).build();
  private BlockCutting cutting =
      BlockCutting.newBuilder()
          .setMaxTransactions(500)
          .setMaxBytes(8 * 1024 * 1024)
          .setTimeoutMillis(100)
          .build();
  private Optional<VotingPolicy> voting = Optional.empty();
  private Optional<CommitStatusPolicy> commitStatus = Optional.empty();
  private Optional<Duration> lifespan = Optional.empty();
  private Optional<Duration> upgradeWindow = Optional.empty();
  private ContractRegistry contracts = BuiltInContracts.registry();
  private List<String> pinned;
  private Path dataDirectory;
  private Path credentialsDirectory;
  private Optional<Passphrase> keyPassphrase = Optional.empty();
  private Clock clock = Clock.systemUTC();
  private Optional<Opening> opening = Optional.empty();
  private Optional<ImportedState> importedState = Optional.empty();
  private NodeAddresses addresses = NodeAddresses.loopback();
  private RemoteOrderers remoteOrderers = RemoteOrderers.NONE;

  LocalLedgerBuilder() {}

  public LocalLedgerBuilder ledgerId(String ledgerId) {
    this.ledgerId = Objects.requireNonNull(ledgerId, "ledgerId");
    return this;
  }

  /** The ledger's certificate authority; it issues every node's certificates. */
  public LocalLedgerBuilder authority(CertificateAuthority authority) {
    this.authority = Objects.requireNonNull(authority, "authority");
    return this;
  }

  public LocalLedgerBuilder member(String organization, String mspId) {
    organizations.add(new LocalLedger.Organization(organization, mspId));
    return this;
  }

  /**
   * A member brought in from a Fabric channel: the same MSP id, and the ledger trusts the
   * certificates its Fabric MSP trusts (roots, intermediates, CRLs, TLS roots), so its existing
   * identities keep working; the ledger's nodes are certified by the authority as for any member.
   */
  public LocalLedgerBuilder member(String organization, FabricChannel.Organization fabric) {
    organizations.add(
        new LocalLedger.Organization(organization, fabric.mspId(), Optional.of(fabric)));
    return this;
  }

  /** Number of orderers (1, 3, 5 or 7), spread over the members in turn. */
  public LocalLedgerBuilder orderers(int count) {
    this.orderers = count;
    return this;
  }

  public LocalLedgerBuilder peersPerOrganization(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("every member runs at least one peer");
    }
    this.peersPerOrganization = count;
    return this;
  }

  public LocalLedgerBuilder endorsement(EndorsementPolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
    return this;
  }

  public LocalLedgerBuilder blockCutting(int maxTransactions, int maxBytes, Duration timeout) {
    return blockCutting(
        BlockCutting.newBuilder()
            .setMaxTransactions(maxTransactions)
            .setMaxBytes(maxBytes)
            .setTimeoutMillis((int) timeout.toMillis())
            .build());
  }

  public LocalLedgerBuilder blockCutting(BlockCutting cutting) {
    this.cutting = Objects.requireNonNull(cutting, "cutting");
    return this;
  }

  /**
   * How member votes decide proposals; without it, more than half of all members within 24 hours.
   */
  public LocalLedgerBuilder voting(VotingPolicy voting) {
    this.voting = Optional.of(Objects.requireNonNull(voting, "voting"));
    return this;
  }

  /**
   * When a gateway answers a commit status; without it, once its own peer committed the transaction
   * (Fabric's meaning).
   */
  public LocalLedgerBuilder commitStatus(CommitStatusPolicy commitStatus) {
    this.commitStatus = Optional.of(Objects.requireNonNull(commitStatus, "commitStatus"));
    return this;
  }

  /**
   * How long the ledger is meant to run, and for how long after genesis its contracts may be
   * upgraded (ZERO: never); without it, no limit to either.
   */
  public LocalLedgerBuilder lifecycle(Duration lifespan, Duration upgradeWindow) {
    this.lifespan = Optional.of(Objects.requireNonNull(lifespan, "lifespan"));
    this.upgradeWindow = Optional.of(Objects.requireNonNull(upgradeWindow, "upgradeWindow"));
    return this;
  }

  /** The contracts nodes can run, and which of them this ledger pins (default: all). */
  public LocalLedgerBuilder contracts(ContractRegistry contracts, List<String> pinned) {
    this.contracts = Objects.requireNonNull(contracts, "contracts");
    this.pinned = List.copyOf(pinned);
    return this;
  }

  public LocalLedgerBuilder dataDirectory(Path dataDirectory) {
    this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
    return this;
  }

  /**
   * Keeps the genesis block and every node's keys and certificates under {@code directory} (which
   * must not exist; keys readable by their owner only; layout in {@link CredentialFolder}), so that
   * {@link LocalLedger#reopen} can start the ledger again after this process stops. Without it the
   * nodes' keys live only in memory.
   */
  public LocalLedgerBuilder keepCredentials(Path directory) {
    this.credentialsDirectory = Objects.requireNonNull(directory, "directory");
    return this;
  }

  /** As {@link #keepCredentials(Path)}, the nodes' keys sealed with {@code passphrase} if given. */
  public LocalLedgerBuilder keepCredentials(Path directory, Optional<Passphrase> passphrase) {
    this.keyPassphrase = Objects.requireNonNull(passphrase, "passphrase");
    return keepCredentials(directory);
  }

  /**
   * Where the nodes listen and the address they are reached at (in the config and in their TLS
   * certificates); loopback unless set.
   */
  public LocalLedgerBuilder addresses(NodeAddresses addresses) {
    this.addresses = Objects.requireNonNull(addresses, "addresses");
    return this;
  }

  /**
   * Orderers that run on other hosts: placed at their slots in the genesis config, handed their
   * credentials and started there before this host starts its own nodes; not kept or started here.
   */
  public LocalLedgerBuilder remoteOrderers(RemoteOrderers remoteOrderers) {
    this.remoteOrderers = Objects.requireNonNull(remoteOrderers, "remoteOrderers");
    return this;
  }

  public LocalLedgerBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /**
   * Starts the ledger as a successor: the opening goes into the genesis config, and every peer
   * writes what it carries over into its world state at block 0.
   */
  public LocalLedgerBuilder opening(Opening opening) {
    this.opening = Optional.of(Objects.requireNonNull(opening, "opening"));
    return this;
  }

  /**
   * Starts the ledger with a Fabric channel's world state ({@code channel.FabricStateReplay}): it
   * goes into the genesis transaction, and every peer writes it into its world state at block 0.
   */
  public LocalLedgerBuilder importedState(ImportedState state) {
    this.importedState = Optional.of(Objects.requireNonNull(state, "state"));
    return this;
  }

  /**
   * Issues the nodes' certificates, writes the genesis config and starts every node; returns once
   * all gRPC servers are bound. Nothing keeps running if it fails.
   */
  public LocalLedger start() throws IOException, ConfigException, CaException, LedgerException {
    Objects.requireNonNull(ledgerId, "ledgerId");
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(dataDirectory, "dataDirectory");
    if (organizations.isEmpty()) {
      throw new IllegalStateException("a ledger needs at least one member");
    }
    Map<String, ByteString> pins = new LinkedHashMap<>();
    for (String name : pinned == null ? List.copyOf(contracts.names()) : pinned) {
      pins.put(name, contracts.codeHash(name));
    }
    Map<Integer, OrdererSlot> slots = new LinkedHashMap<>();
    for (int i = 0; i < orderers; i++) {
      int index = i;
      remoteOrderers.slot(i).ifPresent(slot -> slots.put(index, slot));
    }
    GenesisPlan.Genesis genesis =
        new GenesisPlan(
                ledgerId,
                authority,
                organizations,
                orderers,
                peersPerOrganization,
                policy,
                cutting,
                voting.map(v -> GovernancePolicy.newBuilder().setVoting(v).build()),
                commitStatus,
                lifespan,
                upgradeWindow,
                pins,
                opening,
                importedState,
                addresses,
                slots)
            .issue(clock.instant());
    // The remote orderers' credentials go to their hosts; this one keeps and runs the rest.
    Map<String, NodeCredentials> local = new LinkedHashMap<>(genesis.credentials());
    LedgerConfig.Builder hosted = genesis.config().toBuilder().clearOrderers();
    for (int i = 0; i < genesis.config().getOrderersCount(); i++) {
      Orderer orderer = genesis.config().getOrderers(i);
      if (slots.containsKey(i)) {
        NodeFiles.Credentials files = local.remove(orderer.getNodeId()).files();
        remoteOrderers.start(
            new OrdererHandover(
                ledgerId,
                orderer.getNodeId(),
                orderer.getMspId(),
                slots.get(i),
                genesis.block(),
                files.signingCertificate(),
                files.signingKey(),
                files.tlsChain(),
                files.tlsKey(),
                authority.chain()));
      } else {
        hosted.addOrderers(orderer);
      }
    }
    Optional<CredentialFolder> folder = Optional.empty();
    if (credentialsDirectory != null) {
      folder =
          Optional.of(
              CredentialFolder.create(
                  credentialsDirectory,
                  genesis.block(),
                  local.values(),
                  authority.chain(),
                  keyPassphrase));
    }
    LedgerCredentials credentials =
        new LedgerCredentials(
            ledgerId,
            local,
            genesis.config().getMembersList(),
            authority.chain(),
            genesis.trust(),
            folder,
            addresses);
    NodeSet nodes =
        new NodeSet(
            hosted.build(),
            genesis.block(),
            List.of(),
            List.of(),
            addresses,
            dataDirectory,
            id -> credentials.node(id).identity(),
            contracts,
            clock);
    return LocalLedger.start(genesis.config(), genesis.block(), credentials, nodes, dataDirectory);
  }
}
