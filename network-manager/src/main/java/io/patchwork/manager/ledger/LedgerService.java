package io.patchwork.manager.ledger;

import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CaError;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.node.api.FabricChaincode;
import io.patchwork.node.api.FabricChannelImport;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.LedgerError;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.LedgerHost;
import io.patchwork.node.api.Snapshot;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.templates.LedgerTemplate;
import io.patchwork.templates.TemplateError;
import io.patchwork.templates.TemplateException;
import io.patchwork.templates.Templates;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.hyperledger.fabric.protos.common.Block;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates ledgers from templates and runs them embedded in this process: checks a request, records
 * the ledger as PROVISIONING, then creates its authority, certificates, genesis and nodes and marks
 * it ACTIVE — or FAILED with the reason, with its nodes stopped and its files removed.
 *
 * <p>One class on purpose: it owns every registry status change of a ledger's life here
 * (PROVISIONING, ACTIVE, FAILED, claims on resume, retirement) together with the running ledgers
 * they describe, so the two cannot drift apart; request checks live in {@link LedgerRequests}, the
 * nodes behind the node API.
 *
 * <p>Blocking: call it off the event loop. Thread-safe.
 */
public final class LedgerService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LedgerService.class);

  private final Path dataDirectory;
  private final LedgerRegistry registry;
  private final CertificateAuthorities authorities;
  private final LedgerHost host;

  private final ProvisioningGate provisioning = new ProvisioningGate();

  /** How long stopping waits for a ledger being provisioned to come up (then to be stopped). */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(60);

  /** How often the log asks the members of a ledger past its lifespan to close it. */
  private static final Duration LIFESPAN_REMINDER = Duration.ofDays(1);

  /** How long a new ledger's orderers may take to elect a leader that can order. */
  private static final Duration LEADER_WAIT = Duration.ofSeconds(30);

  private static final Duration LEADER_POLL = Duration.ofMillis(50);

  private final Map<String, HostedLedger> running = new ConcurrentHashMap<>();
  private final Map<String, Instant> lifespanReminders = new ConcurrentHashMap<>();
  private final Map<String, CertificateAuthority> openAuthorities = new ConcurrentHashMap<>();

  /** Successors' openings, from {@link #accept} to {@link #provision}. */
  private final Map<String, Opening> openings = new ConcurrentHashMap<>();

  /** The Fabric channels ledgers are made from, from {@link #accept} to {@link #provision}. */
  private final Map<String, FabricChannelImport> imports = new ConcurrentHashMap<>();

  /** The chaincode ledgers pin, from {@link #accept} to {@link #provision}. */
  private final Map<String, List<FabricChaincode>> chaincodes = new ConcurrentHashMap<>();

  private final LedgerMetrics metrics;
  private final String instance;
  private final OrdererPlacement placement;
  private final Optional<LedgerCustody> custody;
  private final Duration certificateLifetime;

  /** A service that is the only manager instance ("local"). */
  public LedgerService(
      LedgerHost host,
      Path dataDirectory,
      LedgerRegistry registry,
      CertificateAuthorities authorities,
      LedgerMetrics metrics) {
    this(host, dataDirectory, registry, authorities, metrics, LOCAL);
  }

  /**
   * A service that runs the ledgers it creates or claims as manager instance {@code instance} (in
   * cluster mode, its cluster node id).
   */
  public LedgerService(
      LedgerHost host,
      Path dataDirectory,
      LedgerRegistry registry,
      CertificateAuthorities authorities,
      LedgerMetrics metrics,
      String instance) {
    this(
        host,
        dataDirectory,
        registry,
        authorities,
        metrics,
        instance,
        AuthoritySpec.DEFAULT_LEAF_LIFETIME,
        OrdererPlacement.LOCAL,
        Optional.empty());
  }

  /**
   * A service that runs as manager instance {@code instance}, whose new ledgers' authorities
   * certify for {@code certificateLifetime}, places new ledgers' orderers with {@code placement}
   * and keeps each ledger's {@code custody} in the registry (in a cluster, for another instance to
   * take the ledger's peers over).
   */
  public LedgerService(
      LedgerHost host,
      Path dataDirectory,
      LedgerRegistry registry,
      CertificateAuthorities authorities,
      LedgerMetrics metrics,
      String instance,
      Duration certificateLifetime,
      OrdererPlacement placement,
      Optional<LedgerCustody> custody) {
    this.certificateLifetime = Objects.requireNonNull(certificateLifetime, "certificateLifetime");
    this.custody = Objects.requireNonNull(custody, "custody");
    this.placement = Objects.requireNonNull(placement, "placement");
    this.host = Objects.requireNonNull(host, "host");
    this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.authorities = Objects.requireNonNull(authorities, "authorities");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.instance = Objects.requireNonNull(instance, "instance");
  }

  /** The instance id of a manager that runs alone. */
  public static final String LOCAL = "local";

  /** This manager instance's id: the owner recorded for the ledgers it runs. */
  public String instance() {
    return instance;
  }

  public LedgerMetrics metrics() {
    return metrics;
  }

  /**
   * What a client asks for; {@code opening} for a successor ledger (see {@link
   * Settlement#successor}). With {@code fabricConfigBlock} — an existing Fabric channel's config
   * block — the ledger is made from that channel: its parties are the channel's organisations
   * (named as {@code parties} name them, or by MSP id when it names none) and its endorsement
   * policy the channel's; with {@code fabricBlocks} too — the channel's blocks from its genesis
   * block — it starts with the channel's world state. {@code chaincode}: Fabric chaincode
   * (chaincode-as-a-service packages) the ledger pins beside the template's contracts and its
   * hosted peers run.
   */
  public record Request(
      String name,
      String template,
      List<LedgerRecord.Party> parties,
      Map<String, String> overrides,
      Optional<Opening> opening,
      Optional<byte[]> fabricConfigBlock,
      List<byte[]> fabricBlocks,
      List<Chaincode> chaincode) {
    public Request {
      parties = List.copyOf(parties);
      overrides = Map.copyOf(overrides);
      Objects.requireNonNull(opening, "opening");
      Objects.requireNonNull(fabricConfigBlock, "fabricConfigBlock");
      fabricBlocks = List.copyOf(fabricBlocks);
      chaincode = List.copyOf(chaincode);
    }

    public Request(
        String name,
        String template,
        List<LedgerRecord.Party> parties,
        Map<String, String> overrides) {
      this(
          name,
          template,
          parties,
          overrides,
          Optional.empty(),
          Optional.empty(),
          List.of(),
          List.of());
    }
  }

  /** Chaincode a request names: the name it is pinned under and its ccaas package's bytes. */
  public record Chaincode(String name, byte[] ccaasPackage) {
    public Chaincode {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(ccaasPackage, "ccaasPackage");
    }
  }

  /**
   * Checks the request and records the ledger as PROVISIONING; {@link #provision} then builds it.
   *
   * @throws Refusal UNKNOWN_TEMPLATE, INVALID_OVERRIDES, INVALID_PARTIES, INVALID_NAME,
   *     DUPLICATE_NAME, or for a Fabric channel or chaincode NOT_A_FABRIC_CONFIG_BLOCK,
   *     UNSUPPORTED_FABRIC_CONFIG, INVALID_FABRIC_BLOCKS or INVALID_CHAINCODE_PACKAGE, with the
   *     problems by field path
   */
  public LedgerRecord accept(Request request) throws Refusal, SQLException {
    LedgerRequests.Checked checked = LedgerRequests.check(request);
    LedgerTemplate template = checked.template();
    Instant now = Instant.now();
    LedgerRecord record =
        new LedgerRecord(
            request.name(),
            request.name(),
            template.name(),
            LedgerStatus.PROVISIONING,
            Optional.empty(),
            checked.parties(),
            request.overrides(),
            now,
            now);
    // Provisioning follows at once in this process; one interrupted is FAILED on restart.
    request.opening().ifPresent(opening -> openings.put(record.id(), opening));
    checked.imported().ifPresent(channel -> imports.put(record.id(), channel));
    chaincodes.put(record.id(), checked.chaincode());
    try {
      registry.insert(record);
      registry.claim(record.id(), Optional.empty(), instance);
    } catch (LedgerRegistry.DuplicateNameException e) {
      openings.remove(record.id());
      imports.remove(record.id());
      chaincodes.remove(record.id());
      throw LedgerRequests.refused(
          ApiError.DUPLICATE_NAME, List.of(new TemplateError("name", e.getMessage())));
    }
    log.info(
        "ledger.accepted ledger={} template={} parties={} from_fabric_channel={} imported_keys={}",
        record.id(),
        template.name(),
        record.parties().size(),
        checked.imported().isPresent(),
        checked.imported().map(FabricChannelImport::importedKeys).orElse(0L));
    return record;
  }

  /**
   * Builds and starts an accepted ledger; ACTIVE when it returns normally, FAILED (with nothing of
   * it left running or on disk) otherwise.
   */
  public void provision(LedgerRecord record) {
    if (!provisioning.enter()) {
      // Left PROVISIONING: the next start marks it FAILED and removes its files.
      log.warn(
          "ledger.provisioning_skipped ledger={} reason=\"the service is stopping\"", record.id());
      return;
    }
    try {
      build(record);
    } finally {
      provisioning.leave();
    }
  }

  private void build(LedgerRecord record) {
    Path directory = ledgerDirectory(record.id());
    HostedLedger ledger = null;
    try {
      LedgerTemplate template =
          Templates.withOverrides(Templates.builtIn(record.template()), record.overrides());
      CertificateAuthority authority =
          authorities.createRoot(
              AuthoritySpec.of(record.id(), "Patchwork Operator")
                  .withLeafLifetime(certificateLifetime));
      openAuthorities.put(record.id(), authority);
      ledger =
          host.create(
              LedgerRequests.plan(
                  record,
                  template,
                  authority,
                  openings.remove(record.id()),
                  Optional.ofNullable(imports.remove(record.id())),
                  Optional.ofNullable(chaincodes.remove(record.id())).orElse(List.of()),
                  directory,
                  placement.place(record.id(), template.topology().orderers())));
      running.put(record.id(), ledger);
      metrics.watch(record.id(), ledger);
      keepCustody(record.id());
      // ACTIVE means the ledger can commit: its orderers have a leader that can order.
      awaitLeader(record.id(), ledger);
      registry.setStatus(record.id(), LedgerStatus.ACTIVE, Optional.empty());
      log.info(
          "ledger.active ledger={} orderers={} peers={}",
          record.id(),
          ledger.nodes().size() - ledger.peers().size(),
          ledger.peers().size());
    } catch (Exception e) {
      log.warn("ledger.provisioning_failed ledger={} reason=\"{}\"", record.id(), e.toString());
      if (openAuthorities.remove(record.id()) != null) {
        // Nothing relies on the failed ledger's authority: remove it with the ledger's files.
        try {
          authorities.delete(record.id());
        } catch (CaException deleted) {
          log.error("ledger.authority_not_removed ledger={}", record.id(), deleted);
        }
      }
      if (ledger != null) {
        running.remove(record.id());
        metrics.forget(record.id());
        ledger.close();
      }
      placement.abandon(record.id());
      custody.ifPresent(kept -> kept.drop(record.id()));
      deleteQuietly(directory);
      try {
        registry.setStatus(
            record.id(), LedgerStatus.FAILED, Optional.of(String.valueOf(e.getMessage())));
      } catch (SQLException stored) {
        log.error("ledger.status_unrecorded ledger={}", record.id(), stored);
      }
    }
  }

  /**
   * Waits until one of the ledger's orderers, here or on another instance, leads its Raft group and
   * can order.
   *
   * @throws LedgerException UNAVAILABLE if none does within {@link #LEADER_WAIT}
   */
  private void awaitLeader(String ledgerId, HostedLedger ledger)
      throws LedgerException, InterruptedException {
    long deadline = System.nanoTime() + LEADER_WAIT.toNanos();
    while (true) {
      if (ledger.nodes().stream().anyMatch(HostedNode::isLeader)
          || placement.elsewhere(ledgerId).stream().anyMatch(node -> node.leader().orElse(false))) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new LedgerException(
            LedgerError.UNAVAILABLE,
            "the orderers elected no Raft leader within "
                + LEADER_WAIT.toSeconds()
                + " s: check that the orderers reach each other on their Raft ports");
      }
      Thread.sleep(LEADER_POLL.toMillis());
    }
  }

  /**
   * After the service (re)starts alone: every ledger recorded as ACTIVE, CLOSING or CLOSED starts
   * again from its nodes' data and kept credentials, and catches up; see {@link #resume}.
   *
   * @return how many ledgers run again
   */
  public int resumeAfterRestart() throws SQLException {
    return resume(owner -> true);
  }

  /**
   * Claims and runs the ledgers whose recorded owner {@code mayClaim} accepts — after a restart, or
   * when the instance that ran them left the cluster. A ledger ACTIVE starts again from its nodes'
   * data and kept credentials and catches up; one that cannot is marked FAILED with the reason, its
   * files kept for the operator to look at. A ledger still PROVISIONING was interrupted half made:
   * it is marked FAILED and its files are removed, as a failed provisioning would have. Claims are
   * atomic: of several instances, one wins each ledger.
   *
   * @return how many ledgers this instance now runs again
   */
  public int resume(Predicate<Optional<String>> mayClaim) throws SQLException {
    int resumed = 0;
    for (LedgerRecord record : registry.list()) {
      if (running.containsKey(record.id())
          || !(record.status() == LedgerStatus.ACTIVE
              || record.status() == LedgerStatus.PROVISIONING
              || record.status() == LedgerStatus.CLOSING
              || record.status() == LedgerStatus.CLOSED)) {
        continue;
      }
      Optional<String> owner = registry.owner(record.id());
      boolean takeover =
          mayClaim.test(owner)
              && owner.isPresent()
              && !owner.get().equals(instance)
              && record.status() != LedgerStatus.PROVISIONING;
      Optional<Map<String, byte[]>> kept = Optional.empty();
      if (takeover && custody.isPresent()) {
        try {
          kept = custody.get().open(record.id());
        } catch (CaException e) {
          log.warn(
              "ledger.takeover_impossible ledger={} previous_owner={} reason=\"{}\" hint=\"give"
                  + " every instance the same PATCHWORK_CA_PASSPHRASE\"",
              record.id(),
              owner.get(),
              e.getMessage());
          continue;
        }
      }
      if (takeover && kept.isEmpty() && !Files.isDirectory(ledgerDirectory(record.id()))) {
        // Its nodes' files are on the instance that ran it, not shared with this one.
        log.warn(
            "ledger.takeover_impossible ledger={} previous_owner={} reason=\"its nodes' files are"
                + " not in this instance's data directory and no custody of it is kept\"",
            record.id(),
            owner.get());
        continue;
      }
      if (!mayClaim.test(owner)
          || (!owner.equals(Optional.of(instance))
              && !registry.claim(record.id(), owner, instance))) {
        continue;
      }
      Path directory = ledgerDirectory(record.id());
      if (record.status() == LedgerStatus.PROVISIONING) {
        placement.abandon(record.id());
        deleteQuietly(directory);
        registry.setStatus(
            record.id(),
            LedgerStatus.FAILED,
            Optional.of("the manager stopped while the ledger was being provisioned"));
        log.warn("ledger.provisioning_interrupted ledger={}", record.id());
        continue;
      }
      try {
        long started = System.nanoTime();
        HostedLedger ledger;
        if (kept.isPresent()) {
          // Whatever this instance kept of it is older than the custody: start from the custody,
          // its peers on this instance's addresses.
          deleteQuietly(directory);
          custody.get().restore(record.id(), kept.get(), directory);
          openAuthorities.remove(record.id());
          ledger = host.takeOver(directory, authority(record.id()));
        } else {
          ledger = host.reopen(directory, authority(record.id()));
        }
        running.put(record.id(), ledger);
        metrics.watch(record.id(), ledger);
        if (kept.isPresent()) {
          keepCustody(record.id());
        }
        resumed++;
        log.info(
            "ledger.resumed ledger={} nodes={} previous_owner={} peers_moved={} millis={}",
            record.id(),
            ledger.nodes().size(),
            owner.orElse("none"),
            kept.isPresent(),
            (System.nanoTime() - started) / 1_000_000);
      } catch (Exception e) {
        log.error("ledger.resume_failed ledger={} reason=\"{}\"", record.id(), e.toString());
        registry.setStatus(
            record.id(),
            LedgerStatus.FAILED,
            Optional.of("could not start again after a restart: " + e.getMessage()));
      }
    }
    return resumed;
  }

  /**
   * Keeps the ledger's custody up to date after its credentials changed (a peer added or
   * recertified, an admin identity kept): sealed into the registry, for another instance to take
   * its peers over. Does nothing outside a cluster; a failure is logged, not thrown — the change
   * itself stands, and the custody is kept again at the next one.
   *
   * @param alsoMembers MSP ids besides the ledger's members and parties whose hosted admin goes
   *     with it (a member being invited)
   */
  public void keepCustody(String id, String... alsoMembers) {
    HostedLedger ledger = running.get(id);
    if (custody.isEmpty() || ledger == null) {
      return;
    }
    try {
      Set<String> members = new TreeSet<>(List.of(alsoMembers));
      ledger.config().getMembersList().forEach(member -> members.add(member.getMspId()));
      registry
          .get(id)
          .ifPresent(record -> record.parties().forEach(party -> members.add(party.mspId())));
      custody.get().keep(id, ledgerDirectory(id), members);
    } catch (IOException | CaException | SQLException | RuntimeException e) {
      log.warn(
          "ledger.custody_not_kept ledger={} reason=\"{}\" hint=\"another instance could not take"
              + " its latest credentials over\"",
          id,
          e.toString());
    }
  }

  /**
   * The ledger's orderers that other instances run for it, as they report them now (blocking; an
   * instance that does not answer in time shows its orderer without a height).
   */
  public List<OrdererPlacement.PlacedNode> placedElsewhere(String id) {
    return placement.elsewhere(id);
  }

  /**
   * The instance that runs this ledger if it is not this one (in cluster mode, requests about it go
   * there).
   */
  public Optional<String> runElsewhere(String id) throws SQLException {
    if (running.containsKey(id)) {
      return Optional.empty();
    }
    return registry.owner(id).filter(owner -> !owner.equals(instance));
  }

  Path ledgerDirectory(String id) {
    return dataDirectory.resolve("ledgers").resolve(id);
  }

  /**
   * Stops an archived ledger's nodes and deletes their data and credentials (the archive keeps its
   * history); its registry entry stays.
   */
  public void retire(String id) {
    stop(id);
    placement.abandon(id);
    custody.ifPresent(kept -> kept.drop(id));
    openAuthorities.remove(id);
    deleteQuietly(ledgerDirectory(id));
    log.info("ledger.retired ledger={}", id);
  }

  /**
   * Deletes what this instance still keeps of a ledger it does not run — the files of peers another
   * instance took over while this one was down — once the ledger is abandoned.
   */
  public void dropLeftovers(String id) {
    Path directory = ledgerDirectory(id);
    if (running.containsKey(id) || !Files.exists(directory)) {
      return;
    }
    deleteQuietly(directory);
    log.info("ledger.leftovers_deleted ledger={} directory={}", id, directory);
  }

  /** Stops a ledger's nodes in this process (its files and registry entry stay). */
  public void stop(String id) {
    HostedLedger ledger = running.remove(id);
    if (ledger != null) {
      metrics.forget(id);
      ledger.close();
    }
  }

  /**
   * Starts a peer for a member organisation that runs none here — one the members voted in — from a
   * snapshot of the furthest peer, so it replays only what was committed after it.
   *
   * @throws Refusal LEDGER_NOT_FOUND, LEDGER_NOT_ACTIVE, NOT_A_MEMBER or PEER_EXISTS
   */
  public HostedNode hostPeer(String id, String mspId) throws Refusal, SQLException, CaException {
    HostedLedger ledger = activeLedger(id);
    synchronized (ledger) {
      if (ledger.peerOf(mspId).isPresent()) {
        throw new Refusal(
            ApiError.PEER_EXISTS, mspId + " already has a peer running on ledger " + id);
      }
      LedgerConfig config = ledger.config();
      Optional<String> organization =
          config.getMembersList().stream()
              .filter(m -> m.getMspId().equals(mspId))
              .map(Member::getOrganization)
              .findFirst();
      if (organization.isEmpty()) {
        throw new Refusal(ApiError.NOT_A_MEMBER, mspId + " is not a member of ledger " + id);
      }
      requireOwnAuthority(id, config);
      long started = System.nanoTime();
      try {
        HostedNode peer = ledger.addMemberPeer(organization.get(), mspId, authority(id));
        peerHosted(id, ledger, peer);
        log.info(
            "ledger.peer_hosted ledger={} node={} msp={} height={} millis={}",
            id,
            peer.nodeId(),
            mspId,
            peer.height(),
            (System.nanoTime() - started) / 1_000_000);
        return peer;
      } catch (LedgerException e) {
        log.warn(
            "ledger.peer_not_hosted ledger={} msp={} reason=\"{}\"", id, mspId, e.getMessage());
        throw new Refusal(
            ApiError.PEER_NOT_STARTED, "the peer could not be started: " + e.getMessage());
      }
    }
  }

  /**
   * The certificate {@code serial} the ledger's authority issued.
   *
   * @throws CaException CERTIFICATE_NOT_FOUND if it issued none of that serial
   */
  public IssuedCertificate certificate(String id, BigInteger serial) throws CaException {
    return authority(id)
        .find(serial)
        .orElseThrow(
            () ->
                new CaException(
                    CaError.CERTIFICATE_NOT_FOUND,
                    "ledger " + id + " has no certificate " + serial.toString(16)));
  }

  /** Watches a peer just started for a member in the metrics, and keeps custody of it. */
  void peerHosted(String id, HostedLedger ledger, HostedNode peer) {
    metrics.watchPeer(id, ledger, peer);
    keepCustody(id);
  }

  /**
   * Writes a snapshot of a running ledger's committed state (from the peer furthest ahead) to a new
   * file under the ledger's directory, for a member's own peer to start from; the caller deletes it
   * once sent.
   *
   * @throws Refusal LEDGER_NOT_FOUND or LEDGER_NOT_ACTIVE
   */
  public Path exportSnapshot(String id) throws Refusal, SQLException, IOException {
    HostedLedger ledger = activeLedger(id);
    Path snapshots = Files.createDirectories(ledgerDirectory(id).resolve("snapshots"));
    Path snapshot = snapshots.resolve("export-" + UUID.randomUUID() + ".snapshot");
    try {
      Snapshot info = ledger.exportSnapshot(snapshot);
      log.info(
          "ledger.snapshot_exported ledger={} height={} entries={}",
          id,
          info.height(),
          info.entries());
      return snapshot;
    } catch (LedgerException e) {
      deleteQuietly(snapshot);
      throw new IOException(e.getMessage(), e);
    } catch (RuntimeException e) {
      deleteQuietly(snapshot);
      throw e;
    }
  }

  /** The settlement asset of a ledger's template (with the request's overrides). */
  public String settlementAsset(String id) throws Refusal, SQLException {
    LedgerRecord record = record(id);
    try {
      return Templates.withOverrides(Templates.builtIn(record.template()), record.overrides())
          .settlementAsset();
    } catch (TemplateException e) {
      throw new IllegalStateException(
          "ledger " + id + " was created from a template that no longer loads", e);
    }
  }

  /** The genesis block of a running ledger. */
  public Block genesis(String id) throws Refusal, SQLException {
    return activeLedger(id).genesis();
  }

  /** Removes a file this service wrote for sending (a snapshot export). */
  public void discard(Path file) {
    deleteQuietly(file);
  }

  /**
   * The registry's record of a ledger.
   *
   * @throws Refusal LEDGER_NOT_FOUND
   */
  public LedgerRecord record(String id) throws Refusal, SQLException {
    return registry
        .get(id)
        .orElseThrow(() -> new Refusal(ApiError.LEDGER_NOT_FOUND, "no ledger '" + id + "'"));
  }

  /**
   * The running ledger of this id whatever its stage — ACTIVE, CLOSING or CLOSED — for reading it
   * and for the governance records the ledger still takes while it closes (its peers refuse what
   * its stage does not allow).
   *
   * @throws Refusal LEDGER_NOT_FOUND, or LEDGER_NOT_RUNNING when its nodes do not run here
   */
  public HostedLedger runningLedger(String id) throws Refusal, SQLException {
    LedgerRecord record = record(id);
    HostedLedger ledger = running.get(id);
    if (ledger == null || ledger.peers().isEmpty()) {
      throw new Refusal(
          ApiError.LEDGER_NOT_RUNNING,
          "ledger " + id + " is " + record.status() + " and not running");
    }
    return ledger;
  }

  /**
   * The running ledger of this id, for work that needs its nodes.
   *
   * @throws Refusal LEDGER_NOT_FOUND, or LEDGER_NOT_ACTIVE when it is not ACTIVE and running here
   */
  public HostedLedger activeLedger(String id) throws Refusal, SQLException {
    LedgerRecord record = record(id);
    HostedLedger ledger = running.get(id);
    if (record.status() != LedgerStatus.ACTIVE || ledger == null || ledger.peers().isEmpty()) {
      throw new Refusal(ApiError.LEDGER_NOT_ACTIVE, "ledger " + id + " is " + record.status());
    }
    return ledger;
  }

  /** The certificate authority of a ledger this service created. */
  public CertificateAuthority authority(String id) throws CaException {
    CertificateAuthority open = openAuthorities.get(id);
    if (open == null) {
      // Opening decrypts the authority's key store: do it once per ledger.
      open = authorities.open(id);
      CertificateAuthority raced = openAuthorities.putIfAbsent(id, open);
      open = raced == null ? open : raced;
    }
    return open;
  }

  /**
   * Refuses to issue with this manager's authority for a ledger whose members replaced it: the
   * authority they chose certifies their new identities and peers.
   *
   * @throws Refusal AUTHORITY_REPLACED
   */
  public void requireOwnAuthority(String id, LedgerConfig config) throws Refusal, CaException {
    if (!trustsOwnAuthority(id, config)) {
      throw new Refusal(
          ApiError.AUTHORITY_REPLACED,
          "the members of ledger "
              + id
              + " replaced this manager's authority: the authority they chose certifies new"
              + " identities and peers");
    }
  }

  /** Whether this manager's authority is still among the ledger's current (not retiring) roots. */
  boolean trustsOwnAuthority(String id, LedgerConfig config) throws CaException {
    List<X509Certificate> own = authority(id).chain();
    return Recertification.currentRoots(config).contains(own.get(own.size() - 1));
  }

  /**
   * Asks the members of every open ledger here that is past its lifespan to close it: a warning in
   * the log when it passes, and again every day while it stays open. The ledger keeps running —
   * closing is the members' decision — and {@code GET /ledgers/{id}} and the gauge {@code
   * patchwork_ledger_lifespan_remaining_seconds} show it too. Returns the ledgers it reminded of.
   */
  public List<String> remindPastLifespan(Instant now) {
    List<String> reminded = new ArrayList<>();
    for (Map.Entry<String, HostedLedger> entry : running.entrySet()) {
      HostedLedger ledger = entry.getValue();
      if (ledger.peers().isEmpty()) {
        continue;
      }
      LedgerConfig config = ledger.config();
      long ends = config.getLifecycle().getLifespanEndsAtMillis();
      if (ends == 0
          || now.toEpochMilli() < ends
          || config.getStatus() != io.patchwork.node.config.proto.LedgerStatus.OPEN) {
        continue;
      }
      Instant last = lifespanReminders.get(entry.getKey());
      if (last != null && now.isBefore(last.plus(LIFESPAN_REMINDER))) {
        continue;
      }
      lifespanReminders.put(entry.getKey(), now);
      reminded.add(entry.getKey());
      log.warn(
          "ledger.lifespan_over ledger={} ended_at={} hint=\"its members decide: one proposes"
              + " CloseLedger (patchwork propose {} --close), they vote, the operator settles; or"
              + " they keep it open\"",
          entry.getKey(),
          Instant.ofEpochMilli(ends),
          entry.getKey());
    }
    return reminded;
  }

  /** The ids of the ledgers running in this process. */
  public List<String> runningIds() {
    return List.copyOf(running.keySet());
  }

  /** The running ledger of this id, if it runs in this process. */
  public Optional<HostedLedger> running(String id) {
    return Optional.ofNullable(running.get(id));
  }

  public LedgerRegistry registry() {
    return registry;
  }

  private static void deleteQuietly(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      log.warn("ledger.cleanup_failed directory={} reason=\"{}\"", directory, e.getMessage());
    }
  }

  /**
   * Stops every ledger this process runs, after waiting (up to a minute) for ledgers being
   * provisioned to come up; provisioning asked for after this is skipped.
   */
  @Override
  public void close() {
    // A ledger being built now would otherwise start its nodes after this stopped the others.
    int unfinished = provisioning.close(CLOSE_WAIT);
    if (unfinished > 0) {
      log.warn("ledger.provisioning_unfinished count={} at_stop", unfinished);
    }
    running.forEach(
        (id, ledger) -> {
          metrics.forget(id);
          ledger.close();
        });
    running.clear();
  }
}
