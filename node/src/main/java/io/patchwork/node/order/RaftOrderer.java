package io.patchwork.node.order;

import com.google.protobuf.ByteString;
import io.grpc.BindableService;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.order.proto.Cut;
import io.patchwork.node.order.proto.EnvelopeBatch;
import io.patchwork.node.order.proto.OrderingEntry;
import io.patchwork.node.store.BlockStore;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.hyperledger.fabric.protos.common.Block;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An orderer on Apache Ratis: a Raft server with the {@link BlockCutter} as state machine. */
final class RaftOrderer implements OrdererNode {
  private static final Logger log = LoggerFactory.getLogger(RaftOrderer.class);

  /** How long an orderer voted out waits to see the Raft group change before it stops anyway. */
  private static final Duration REMOVAL_GRACE = Duration.ofMinutes(1);

  /** How long the leader waits before it tries a membership change again. */
  private static final Duration RECONFIGURATION_RETRY = Duration.ofSeconds(5);

  /** How long a leader voted out waits for an orderer that stays to take its leadership over. */
  private static final Duration HANDOVER_TIMEOUT = Duration.ofSeconds(3);

  private final OrdererConfig config;
  private final BlockStore blocks;
  private final BlockCutter cutter;
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final RaftClient client;
  private final ScheduledExecutorService timer;
  private final ExecutorService deliveries;
  private final AtomicLong cutRequestedFor = new AtomicLong(-1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean reconfiguring = new AtomicBoolean();
  private final ExecutorService reconfigurations;
  private volatile long nextReconfigurationNanos;

  /** Leadership handovers tried: which orderer that stays is asked next. Leader's timer only. */
  private int handovers;

  private volatile long settledSequence = -1;
  private final AtomicBoolean removed = new AtomicBoolean();
  private final List<Runnable> removedActions = new CopyOnWriteArrayList<>();
  private volatile long removalDecidedNanos;
  private final AtomicLong servesFrom;
  private final BroadcastService broadcast;
  private volatile boolean wasLeader;

  private RaftOrderer(
      OrdererConfig config,
      BlockStore blocks,
      BlockCutter cutter,
      RaftServer server,
      RaftGroupId groupId,
      RaftClient client,
      ScheduledExecutorService timer,
      AtomicLong servesFrom) {
    this.config = config;
    this.servesFrom = servesFrom;
    this.blocks = blocks;
    this.cutter = cutter;
    this.server = server;
    this.groupId = groupId;
    this.client = client;
    this.timer = timer;
    this.deliveries =
        Executors.newFixedThreadPool(
            2,
            runnable -> {
              Thread thread = new Thread(runnable, "orderer-deliver-" + config.self().nodeId());
              thread.setDaemon(true);
              return thread;
            });
    this.broadcast = new BroadcastService(config, this, cutter, deliveries);
    cutter.onPending(this::checkCutSoon);
    cutter.onConfig(
        rules -> {
          if (!listed(rules, config.self().nodeId()) && removalDecidedNanos == 0) {
            removalDecidedNanos = System.nanoTime();
            log.info(
                "order.voted_out node={} sequence={}; it leaves once the Raft group changed",
                config.self().nodeId(),
                rules.sequence());
          }
        });
    // A membership change can wait long (a new orderer that is not up yet): on a thread of its own.
    this.reconfigurations =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "orderer-reconfigure-" + config.self().nodeId());
              thread.setDaemon(true);
              return thread;
            });
  }

  static RaftOrderer start(OrdererConfig config) throws IOException {
    Path raftDirectory = config.dataDirectory().resolve("raft");
    Files.createDirectories(raftDirectory);
    BlockStore blocks = BlockStore.open(config.dataDirectory().resolve("blocks"));
    RaftServer server = null;
    RaftClient client = null;
    ScheduledExecutorService timer = null;
    try {
      if (blocks.height() == 0) {
        blocks.append(config.genesis());
      } else if (!blocks.get(0).orElseThrow().getHeader().equals(config.genesis().getHeader())) {
        throw new IOException(
            config.dataDirectory() + " holds another ledger's blocks, not " + config.ledgerId());
      }
      RaftGroupId groupId =
          RaftGroupId.valueOf(
              UUID.nameUUIDFromBytes(config.ledgerId().getBytes(StandardCharsets.UTF_8)));
      RaftGroup group =
          RaftGroup.valueOf(
              groupId,
              config.group().stream()
                  .map(
                      o ->
                          RaftPeer.newBuilder()
                              .setId(RaftPeerId.valueOf(o.nodeId()))
                              .setAddress(o.address())
                              .build())
                  .toList());
      RaftProperties properties = properties(config, raftDirectory);
      Parameters parameters = new Parameters();
      GrpcTlsConfig tls = new GrpcTlsConfig(config.tls().keyManager(), config.tls().trust(), true);
      GrpcConfigKeys.Server.setTlsConf(parameters, tls);
      GrpcConfigKeys.Admin.setTlsConf(parameters, tls);
      GrpcConfigKeys.Client.setTlsConf(parameters, tls);
      BlockCutter cutter =
          new BlockCutter(
              config.self().nodeId(),
              blocks,
              config.signer(),
              config.cutting(),
              genesisRules(config),
              BlockCutter.ConfigJudge.of(config.verifier()));
      // TLS (clients and Raft peers alike) is judged by the config in force, restored or new.
      config.tls().trustNow(cutter.rules().tlsTrust());
      cutter.onConfig(rules -> config.tls().trustNow(rules.tlsTrust()));
      boolean existing = Files.exists(raftDirectory.resolve(groupId.getUuid().toString()));
      // An orderer serves blocks from the first one whose config lists it: those before carry its
      // signature, which no config at their heights knows (it cut them replaying the log).
      AtomicLong servesFrom =
          new AtomicLong(
              admittedAt(
                  blocks,
                  config.self().nodeId(),
                  genesisRules(config),
                  BlockCutter.ConfigJudge.of(config.verifier())));
      cutter.onConfig(
          rules -> {
            if (servesFrom.get() == Long.MAX_VALUE && listed(rules, config.self().nodeId())) {
              servesFrom.set(cutter.nextBlockNumber() - 1);
            }
          });
      server =
          RaftServer.newBuilder()
              .setServerId(RaftPeerId.valueOf(config.self().nodeId()))
              .setGroup(config.joining() && !existing ? RaftGroup.valueOf(groupId) : group)
              .setStateMachine(cutter)
              .setProperties(properties)
              .setParameters(parameters)
              .setOption(
                  existing ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
              .build();
      server.start();
      client =
          RaftClient.newBuilder()
              .setClientId(ClientId.randomId())
              .setRaftGroup(group)
              .setProperties(properties)
              .setParameters(parameters)
              .setRetryPolicy(
                  RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                      60, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
              .build();
      timer =
          Executors.newScheduledThreadPool(
              1,
              runnable -> {
                Thread thread = new Thread(runnable, "orderer-" + config.self().nodeId());
                thread.setDaemon(true);
                return thread;
              });
      RaftOrderer orderer =
          new RaftOrderer(config, blocks, cutter, server, groupId, client, timer, servesFrom);
      // The batch timeout is kept to within a tick (at most 50 ms late).
      long tick = Math.max(5, Math.min(50, config.cutting().timeout().toMillis() / 4));
      timer.scheduleWithFixedDelay(orderer::tick, tick, tick, TimeUnit.MILLISECONDS);
      log.info(
          "order.started node={} ledger={} group={} height={} recovered={}",
          config.self().nodeId(),
          config.ledgerId(),
          config.group().size(),
          blocks.height(),
          existing);
      return orderer;
    } catch (IOException | RuntimeException e) {
      if (timer != null) {
        timer.shutdownNow();
      }
      closeQuietly(client);
      closeQuietly(server);
      blocks.close();
      throw e;
    }
  }

  private static RaftProperties properties(OrdererConfig config, Path raftDirectory) {
    RaftProperties properties = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(properties, List.of(new File(raftDirectory.toString())));
    GrpcConfigKeys.Server.setHost(properties, config.bindHost());
    GrpcConfigKeys.Server.setPort(properties, config.self().raftPort());
    // Loopback and LAN: fail over within a couple of seconds.
    RaftServerConfigKeys.Rpc.setTimeoutMin(
        properties, TimeDuration.valueOf(800, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(
        properties, TimeDuration.valueOf(1600, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setRequestTimeout(
        properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    // Entries are batches of envelopes; leave room for a batch holding the largest envelope.
    SizeInBytes entryRoom =
        SizeInBytes.valueOf(
            config.maxEnvelopeBytes() + BroadcastService.MAX_BATCH_BYTES + (1 << 20));
    RaftServerConfigKeys.Log.setWriteBufferSize(
        properties, SizeInBytes.valueOf(entryRoom.getSize() + (1 << 20)));
    GrpcConfigKeys.setMessageSizeMax(
        properties, SizeInBytes.valueOf(entryRoom.getSize() + (2 << 20)));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(properties, entryRoom);
    RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(64L << 20));
    RaftServerConfigKeys.Write.setByteLimit(properties, SizeInBytes.valueOf(256L << 20));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, false);
    return properties;
  }

  /** Sends an entry through Raft; completes once it is committed and applied. */
  private static LedgerRules genesisRules(OrdererConfig config) throws IOException {
    try {
      return LedgerConfigs.fromGenesis(config.genesis());
    } catch (ConfigException e) {
      throw new IOException("the genesis block holds no valid config: " + e.getMessage(), e);
    }
  }

  CompletableFuture<RaftClientReply> submit(OrderingEntry entry) {
    return client
        .async()
        .send(
            Message.valueOf(
                org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations.unsafeWrap(
                    entry.toByteArray())));
  }

  /** The batch timeout: the leader asks Raft to cut what has waited long enough. */
  private void tick() {
    try {
      boolean leader = isLeader();
      if (leader != wasLeader) {
        wasLeader = leader;
        if (leader) {
          log.info("order.leader_elected node={} term={}", nodeId(), term());
        }
      }
      if (leader) {
        followOrdererSet();
      }
      retireOnceOutOfGroup();
      if (leader) {
        cutIfDue();
      }
    } catch (RuntimeException e) {
      log.warn("order.timer_failed node={}", nodeId(), e);
    }
  }

  /**
   * Asks for a look at the pending block soon, on the timer thread: called when envelopes were
   * applied to it and when this orderer's Broadcast has nothing more on its way into the log.
   */
  void checkCutSoon() {
    try {
      timer.execute(
          () -> {
            try {
              if (isLeader()) {
                cutIfDue();
              }
            } catch (RuntimeException e) {
              log.warn("order.timer_failed node={}", nodeId(), e);
            }
          });
    } catch (RejectedExecutionException stopping) {
      // Closing: nothing more is cut.
    }
  }

  /**
   * On the leader: asks Raft to cut the pending block once its oldest envelope waited the batch
   * timeout, or at once when nothing else is on its way into it — this orderer's Broadcast holds no
   * envelope that is not in the log yet and every log entry is applied — since waiting would then
   * only add latency. Under load envelopes keep coming, so blocks fill until the timeout or the
   * count; at light load a transaction is ordered without sitting out the timeout. Envelopes that
   * other orderers' Broadcast is still batching go into the next block.
   */
  private void cutIfDue() {
    long since = cutter.pendingSince();
    if (since == 0) {
      return;
    }
    long next = cutter.nextBlockNumber();
    if (cutRequestedFor.get() == next) {
      return;
    }
    boolean timedOut = System.nanoTime() - since >= cutter.cutting().timeout().toNanos();
    if (!timedOut && !(broadcast.idle() && logApplied())) {
      return;
    }
    cutRequestedFor.set(next);
    submit(
            OrderingEntry.newBuilder()
                .setCut(
                    Cut.newBuilder().setBlockNumber(next).setTimeMillis(System.currentTimeMillis()))
                .build())
        .whenComplete(
            (reply, failure) -> {
              if (failure != null || !reply.isSuccess()) {
                cutRequestedFor.compareAndSet(next, -1);
              }
            });
  }

  /** Whether every entry in this orderer's Raft log has been applied to the block cutter. */
  private boolean logApplied() {
    try {
      TermIndex last = server.getDivision(groupId).getRaftLog().getLastEntryTermIndex();
      TermIndex applied = cutter.getLastAppliedTermIndex();
      return last == null || (applied != null && applied.getIndex() >= last.getIndex());
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * On the leader: moves the Raft group to the orderers the config in force lists, once a config
   * block changed them (a governance decision). Every orderer cuts the same config blocks, so
   * whichever is leader sees the same wanted group; a change in flight, or a group that is already
   * right, leaves it be. A leader voted out first hands its leadership to an orderer that stays
   * (one already in the group, trying each in turn), which then makes the change: a leader that
   * took itself out would leave the orderers left to elect one, and an orderer only just added may
   * not vote yet (seen: a group of two that could not elect). Runs the (blocking) reconfiguration
   * off the timer thread.
   */
  private void followOrdererSet() {
    // Every tick on the leader: nothing to compare until a config moved on since the group last
    // matched it.
    long sequence = cutter.rules().sequence();
    if (sequence == settledSequence) {
      return;
    }
    List<RaftPeer> wanted =
        cutter.rules().orderers().stream()
            .map(
                o ->
                    RaftPeer.newBuilder()
                        .setId(RaftPeerId.valueOf(o.getNodeId()))
                        .setAddress(o.getHost() + ":" + o.getRaftPort())
                        .build())
            .toList();
    Set<RaftPeerId> wantedIds = wanted.stream().map(RaftPeer::getId).collect(Collectors.toSet());
    RaftConfiguration conf;
    try {
      conf = server.getDivision(groupId).getRaftConf();
    } catch (IOException e) {
      return;
    }
    Set<RaftPeerId> currentIds =
        conf.getCurrentPeers().stream().map(RaftPeer::getId).collect(Collectors.toSet());
    if (wantedIds.equals(currentIds) && conf.getPreviousPeers().isEmpty()) {
      settledSequence = sequence;
      return;
    }
    if (!conf.getPreviousPeers().isEmpty()
        || System.nanoTime() < nextReconfigurationNanos
        || !reconfiguring.compareAndSet(false, true)) {
      return;
    }
    log.info(
        "order.group_changing node={} from={} to={}",
        nodeId(),
        new TreeSet<>(currentIds.stream().map(RaftPeerId::toString).toList()),
        new TreeSet<>(wantedIds.stream().map(RaftPeerId::toString).toList()));
    RaftPeerId self = RaftPeerId.valueOf(nodeId());
    List<RaftPeerId> heirs =
        currentIds.stream()
            .filter(id -> wantedIds.contains(id) && !id.equals(self))
            .sorted(Comparator.comparing(RaftPeerId::toString))
            .toList();
    if (!wantedIds.contains(self) && !heirs.isEmpty()) {
      RaftPeerId heir = heirs.get(Math.floorMod(handovers++, heirs.size()));
      reconfigurations.execute(
          () -> {
            try {
              RaftClientReply reply =
                  client.admin().transferLeadership(heir, HANDOVER_TIMEOUT.toMillis());
              log.info(
                  "order.leadership_handed_over node={} to={} success={}",
                  nodeId(),
                  heir,
                  reply.isSuccess());
              if (!reply.isSuccess()) {
                nextReconfigurationNanos = System.nanoTime() + HANDOVER_TIMEOUT.toNanos();
              }
            } catch (IOException | RuntimeException e) {
              log.warn(
                  "order.leadership_not_handed_over node={} to={} reason=\"{}\"; another orderer"
                      + " that stays is tried next",
                  nodeId(),
                  heir,
                  e.toString());
              nextReconfigurationNanos = System.nanoTime() + HANDOVER_TIMEOUT.toNanos();
            } finally {
              reconfiguring.set(false);
            }
          });
      return;
    }
    reconfigurations.execute(
        () -> {
          try {
            RaftClientReply reply = client.admin().setConfiguration(wanted);
            if (reply.isSuccess()) {
              log.info("order.group_changed node={} orderers={}", nodeId(), wanted.size());
            } else {
              log.warn(
                  "order.group_change_refused node={} reason=\"{}\"",
                  nodeId(),
                  reply.getException());
              nextReconfigurationNanos = System.nanoTime() + RECONFIGURATION_RETRY.toNanos();
            }
          } catch (IOException | RuntimeException e) {
            log.warn(
                "order.group_change_failed node={} reason=\"{}\" hint=\"is every orderer voted in"
                    + " running and reachable? retried in {} s\"",
                nodeId(),
                e.toString(),
                RECONFIGURATION_RETRY.toSeconds());
            nextReconfigurationNanos = System.nanoTime() + RECONFIGURATION_RETRY.toNanos();
          } finally {
            reconfiguring.set(false);
          }
        });
  }

  static OrderingEntry batch(List<ByteString> envelopes) {
    return OrderingEntry.newBuilder()
        .setBatch(
            EnvelopeBatch.newBuilder()
                .addAllEnvelopes(envelopes)
                .setTimeMillis(System.currentTimeMillis()))
        .build();
  }

  @Override
  public BindableService atomicBroadcast() {
    return broadcast;
  }

  @Override
  public BlockStore blocks() {
    return blocks;
  }

  private Optional<DivisionInfo> division() {
    try {
      return Optional.of(server.getDivision(groupId).getInfo());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether this orderer leads the Raft group and can order: a new leader counts once it has
   * committed the first entry of its term (Ratis' leader-ready), not as soon as it is elected.
   */
  @Override
  public boolean isLeader() {
    return !closed.get() && division().map(d -> d.isLeader() && d.isLeaderReady()).orElse(false);
  }

  @Override
  public Optional<String> leaderId() {
    return division().map(DivisionInfo::getLeaderId).map(RaftPeerId::toString);
  }

  @Override
  public long term() {
    return division().map(DivisionInfo::getCurrentTerm).orElse(0L);
  }

  @Override
  public String nodeId() {
    return config.self().nodeId();
  }

  /**
   * The first block whose config lists {@code nodeId} among the orderers, in what the store holds
   * (0 for an orderer of the genesis config), or {@link Long#MAX_VALUE} if none does yet.
   */
  private static long admittedAt(
      BlockStore blocks, String nodeId, LedgerRules genesis, BlockCutter.ConfigJudge judge)
      throws IOException {
    if (listed(genesis, nodeId)) {
      return 0;
    }
    for (long number = 1; number < blocks.height(); number++) {
      Block block = blocks.get(number).orElseThrow();
      if (block.getData().getDataCount() != 1
          || !LedgerConfigs.isConfig(block.getData().getData(0))) {
        continue;
      }
      try {
        if (listed(judge.configOf(block), nodeId)) {
          return number;
        }
      } catch (ConfigException notAChange) {
        // A governance record: it changes no config.
      }
    }
    return Long.MAX_VALUE;
  }

  private static boolean listed(LedgerRules rules, String nodeId) {
    return rules.orderers().stream().anyMatch(o -> o.getNodeId().equals(nodeId));
  }

  /** The first block this orderer delivers: 0, or the one whose config voted it in. */
  long servesFrom() {
    return servesFrom.get();
  }

  @Override
  public List<String> group() {
    try {
      return server.getDivision(groupId).getRaftConf().getCurrentPeers().stream()
          .map(peer -> peer.getId().toString())
          .sorted()
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  @Override
  public void onRemoved(Runnable action) {
    removedActions.add(action);
  }

  /**
   * Once the config voted this orderer out and the Raft group it knows no longer holds it (or a
   * minute later, if it never learns the new group), tells whoever runs it to stop it. Until then
   * it takes part in Raft though it serves no client: stopping it before the group changed could
   * leave the group without a majority when the members vote out several orderers in a row.
   */
  private void retireOnceOutOfGroup() {
    long decidedAt = removalDecidedNanos;
    if (decidedAt == 0 || removed.get()) {
      return;
    }
    boolean outOfGroup = !group().contains(nodeId());
    if (outOfGroup || System.nanoTime() - decidedAt > REMOVAL_GRACE.toNanos()) {
      if (removed.compareAndSet(false, true)) {
        log.warn(
            "order.removed node={} ledger={} out_of_group={}; it orders nothing more",
            nodeId(),
            config.ledgerId(),
            outOfGroup);
        removedActions.forEach(Runnable::run);
      }
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    timer.shutdownNow();
    reconfigurations.shutdownNow();
    broadcast.close();
    deliveries.shutdownNow();
    closeQuietly(client);
    closeQuietly(server);
    try {
      blocks.close();
    } catch (IOException e) {
      log.warn("order.close_failed node={}", nodeId(), e);
    }
    log.info("order.stopped node={}", nodeId());
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      log.debug("order.close_failed", e);
    }
  }
}
