package io.patchwork.node.order;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.block.BlockSignatures;
import io.patchwork.node.block.Blocks;
import io.patchwork.node.channel.ConfigBlocks;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.order.proto.OrdererPosition;
import io.patchwork.node.order.proto.OrderingEntry;
import io.patchwork.node.store.BlockStore;
import io.patchwork.node.tx.ConfigEnvelopes;
import io.patchwork.node.tx.EnvelopeHeaders;
import io.patchwork.node.update.ConfigUpdateCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orderer's Raft state machine: turns the log into blocks, the same way on every orderer.
 *
 * <p>Envelopes join a pending list in log order. A config envelope is judged first, at the block
 * time, with the check peers make ({@link ConfigJudge}): one that would not apply is left out;
 * otherwise it cuts whatever is pending and is cut alone — a config change wrapped in Fabric's
 * {@code CONFIG} envelope with the channel tree it leads to ({@link ConfigEnvelopes#wrap}), a
 * governance record as it came — and a config change takes effect for admission, block cutting and
 * TLS from the next envelope (a governance record changes nothing). Any other envelope is cut when
 * the block reaches the transaction count, or before it would take the block past the byte limit
 * (an envelope over the limit goes alone). A {@code Cut} entry — the leader's batch timeout, or its
 * finding that nothing more is on its way into the block — cuts the pending envelopes if the block
 * it names is the next one. Only the log decides, so every orderer cuts identical blocks; each
 * signs its own copy.
 *
 * <p>Each block records the log position after its last envelope. Ratis replays the log from the
 * start when the orderer restarts (no Raft snapshots are taken); everything before the position in
 * the last stored block is skipped, which rebuilds exactly the pending list it had.
 *
 * <p>Threading: Ratis calls {@link #applyTransaction} one entry at a time, in log order; {@link
 * #pendingSince()}, {@link #nextBlockNumber()}, {@link #rules()} and {@link #cutting()} may be read
 * from any thread; config and pending listeners run on the applying thread.
 */
final class BlockCutter extends BaseStateMachine {
  private static final Logger log = LoggerFactory.getLogger(BlockCutter.class);
  private static final int POSITION_FORMAT = 1;

  private final BlockStore blocks;
  private final NodeSigner signer;
  private final ConfigJudge judge;
  private final String nodeId;
  private volatile LedgerRules rules;
  private Config channelTree;
  private volatile BlockCutting cutting;
  private final List<Runnable> blockListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<LedgerRules>> configListeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> pendingListeners = new CopyOnWriteArrayList<>();
  private final List<ByteString> pending = new ArrayList<>();
  private long pendingBytes;
  private volatile long pendingSince;
  private volatile long nextBlockNumber;
  private long resumeIndex;
  private int resumeOffset;
  private long lastConfigIndex;
  private long blockTimeMillis;

  /** How the cutter judges config transactions and reads back the config a config block set. */
  interface ConfigJudge {
    /** Whether the config envelope changes the config in force at the block time. */
    ConfigUpdateCheck.Verdict judge(
        ByteString envelope, LedgerRules current, Optional<Instant> blockTime);

    /** The config a config block this orderer cut put in force. */
    LedgerRules configOf(Block configBlock) throws IOException, ConfigException;

    /** The judge of a real ledger: {@link ConfigUpdateCheck}, as peers judge. */
    static ConfigJudge of(SignatureVerifier verifier) {
      return new ConfigJudge() {
        @Override
        public ConfigUpdateCheck.Verdict judge(
            ByteString envelope, LedgerRules current, Optional<Instant> blockTime) {
          return ConfigUpdateCheck.check(envelope, current, blockTime, verifier);
        }

        @Override
        public LedgerRules configOf(Block configBlock) throws IOException, ConfigException {
          return LedgerRules.of(
              ConfigUpdate.parseFrom(
                      EnvelopeHeaders.read(configBlock.getData().getData(0)).configUpdate())
                  .getConfig());
        }
      };
    }
  }

  /**
   * @param cutting how to cut blocks under the genesis config
   * @param genesisRules the genesis config's rules; a later config in the store replaces them
   * @param judge decides config transactions
   */
  BlockCutter(
      String nodeId,
      BlockStore blocks,
      NodeSigner signer,
      BlockCutting cutting,
      LedgerRules genesisRules,
      ConfigJudge judge) {
    this.nodeId = nodeId;
    this.blocks = blocks;
    this.signer = signer;
    this.judge = judge;
    this.cutting = cutting;
    this.rules = genesisRules;
    Block last = blocks.last().orElseThrow(() -> new IllegalStateException("no genesis block"));
    this.nextBlockNumber = last.getHeader().getNumber() + 1;
    BlockSignatures.ordererMetadata(last)
        .ifPresent(
            metadata -> {
              lastConfigIndex = metadata.getLastConfig().getIndex();
              try {
                OrdererPosition position =
                    OrdererPosition.parseFrom(metadata.getConsenterMetadata());
                resumeIndex = position.getLogIndex();
                resumeOffset = position.getEnvelopeOffset();
                blockTimeMillis = position.getBlockTimeMillis();
              } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(
                    "block " + last.getHeader().getNumber() + " holds no readable log position", e);
              }
            });
    if (lastConfigIndex > 0) {
      follow(configIn(lastConfigIndex));
    }
    this.channelTree = treeIn(lastConfigIndex);
  }

  /** The channel tree of a config block of this orderer's store. */
  private Config treeIn(long number) {
    try {
      return ConfigBlocks.treeOf(
          blocks
              .get(number)
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "config block " + number + " is not in the store")));
    } catch (IOException | ConfigException e) {
      throw new IllegalStateException(
          "config block " + number + " holds no readable channel config: " + e.getMessage(), e);
    }
  }

  /** The config an earlier config block of this orderer's store put in force. */
  private LedgerRules configIn(long number) {
    try {
      Block block =
          blocks
              .get(number)
              .orElseThrow(
                  () ->
                      new IllegalStateException("config block " + number + " is not in the store"));
      return judge.configOf(block);
    } catch (IOException | ConfigException e) {
      throw new IllegalStateException(
          "config block " + number + " holds no readable config: " + e.getMessage(), e);
    }
  }

  /** Puts a config in force: admission and block cutting follow it from the next envelope. */
  private void follow(LedgerRules next) {
    rules = next;
    configListeners.forEach(listener -> listener.accept(next));
    var fromConfig = next.blockCutting();
    cutting =
        new BlockCutting(
            fromConfig.getMaxTransactions(),
            fromConfig.getMaxBytes(),
            Duration.ofMillis(fromConfig.getTimeoutMillis()));
  }

  /** The config in force after the last block this orderer cut. */
  LedgerRules rules() {
    return rules;
  }

  /** How blocks are cut under the config in force. */
  BlockCutting cutting() {
    return cutting;
  }

  @Override
  public void initialize(
      RaftServer server, org.apache.ratis.protocol.RaftGroupId groupId, RaftStorage storage)
      throws IOException {
    super.initialize(server, groupId, storage);
    if (resumeIndex > 0) {
      log.info(
          "order.resuming node={} nextBlock={} logIndex={} offset={}",
          nodeId,
          nextBlockNumber,
          resumeIndex,
          resumeOffset);
    }
  }

  /** Called, on the applying thread, with each config this orderer puts in force. */
  void onConfig(Consumer<LedgerRules> listener) {
    configListeners.add(listener);
  }

  /**
   * Called, on the applying thread, after each log entry that leaves envelopes pending (with the
   * entry counted as applied).
   */
  void onPending(Runnable listener) {
    pendingListeners.add(listener);
  }

  void onBlock(Runnable listener) {
    blockListeners.add(listener);
  }

  void removeBlockListener(Runnable listener) {
    blockListeners.remove(listener);
  }

  /** When the oldest pending envelope arrived here ({@link System#nanoTime}), or 0 if none. */
  long pendingSince() {
    return pendingSince;
  }

  long nextBlockNumber() {
    return nextBlockNumber;
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
    LogEntryProto entry = transaction.getLogEntry();
    long index = entry.getIndex();
    try {
      boolean pendingNow;
      synchronized (this) {
        if (index >= resumeIndex) {
          applyEntry(
              index,
              OrderingEntry.parseFrom(entry.getStateMachineLogEntry().getLogData().toByteArray()));
        }
        updateLastAppliedTermIndex(entry.getTerm(), index);
        pendingNow = !pending.isEmpty();
      }
      if (pendingNow) {
        pendingListeners.forEach(Runnable::run);
      }
      return CompletableFuture.completedFuture(Message.EMPTY);
    } catch (InvalidProtocolBufferException e) {
      // Only this orderer's own Broadcast writes entries, so this is a bug or damage: stop here
      // rather than cut blocks that differ from the other orderers'.
      log.error("order.entry_unreadable node={} index={}", nodeId, index, e);
      return CompletableFuture.failedFuture(e);
    } catch (IOException | UncheckedIOException e) {
      log.error("order.block_store_failed node={} index={}", nodeId, index, e);
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Applies one log entry: envelopes join the pending block, which is cut when full; a cut request
   * for the pending block cuts it. Entries before the resume position were ordered into blocks
   * already and are skipped.
   */
  synchronized void applyEntry(long index, OrderingEntry ordering) throws IOException {
    if (index < resumeIndex) {
      return;
    }
    switch (ordering.getKindCase()) {
      case BATCH -> {
        blockTimeMillis = Math.max(blockTimeMillis, ordering.getBatch().getTimeMillis());
        List<ByteString> envelopes = ordering.getBatch().getEnvelopesList();
        int first = index == resumeIndex ? resumeOffset : 0;
        for (int i = first; i < envelopes.size(); i++) {
          add(envelopes.get(i), index, i);
        }
      }
      case CUT -> {
        blockTimeMillis = Math.max(blockTimeMillis, ordering.getCut().getTimeMillis());
        if (!pending.isEmpty() && ordering.getCut().getBlockNumber() == nextBlockNumber) {
          cut(index + 1, 0, "timeout");
        }
      }
      default -> log.warn("order.entry_ignored node={} index={}", nodeId, index);
    }
  }

  private void add(ByteString envelope, long index, int offset) throws IOException {
    if (LedgerConfigs.isConfig(envelope)) {
      // Judged here, in log order, as peers will judge it in its block: a config transaction that
      // would not apply is left out, so every config block this orderer cuts changes the config.
      ConfigUpdateCheck.Verdict verdict =
          judge.judge(
              envelope,
              rules,
              blockTimeMillis > 0
                  ? Optional.of(Instant.ofEpochMilli(blockTimeMillis))
                  : Optional.empty());
      if (!verdict.applies()) {
        log.warn(
            "order.config_dropped node={} index={} reason=\"{}\"",
            nodeId,
            index,
            verdict.refusal());
        return;
      }
      if (!pending.isEmpty()) {
        cut(index, offset, "config");
      }
      if (!verdict.changesConfig(rules)) {
        // A governance record (proposal or ballot): its own block, the config unchanged.
        append(envelope);
        cut(index, offset + 1, "governance-record");
        return;
      }
      LedgerRules next = verdict.next().orElseThrow();
      Config tree = ConfigBlocks.next(channelTree, next.config());
      append(ConfigEnvelopes.wrap(Envelope.parseFrom(envelope), tree).toByteString());
      lastConfigIndex = nextBlockNumber;
      cut(index, offset + 1, "config");
      channelTree = tree;
      follow(next);
      log.info(
          "order.config_applied node={} sequence={} block={}",
          nodeId,
          rules.sequence(),
          nextBlockNumber - 1);
      return;
    }
    if (!pending.isEmpty() && pendingBytes + envelope.size() > cutting.maxBytes()) {
      cut(index, offset, "bytes");
    }
    append(envelope);
    if (pending.size() >= cutting.maxTransactions()) {
      cut(index, offset + 1, "count");
    } else if (pendingBytes >= cutting.maxBytes()) {
      cut(index, offset + 1, "bytes");
    }
  }

  private void append(ByteString envelope) {
    if (pending.isEmpty()) {
      pendingSince = System.nanoTime();
    }
    pending.add(envelope);
    pendingBytes += envelope.size();
  }

  private void cut(long nextIndex, int nextOffset, String reason) throws IOException {
    Block last = blocks.last().orElseThrow();
    Block block = Blocks.next(last, List.copyOf(pending));
    long number = block.getHeader().getNumber();
    ByteString position =
        OrdererPosition.newBuilder()
            .setFormatVersion(POSITION_FORMAT)
            .setLogIndex(nextIndex)
            .setEnvelopeOffset(nextOffset)
            .setBlockTimeMillis(blockTimeMillis)
            .build()
            .toByteString();
    blocks.append(BlockSignatures.sign(block, signer, lastConfigIndex, position));
    log.debug(
        "order.block_cut node={} number={} transactions={} bytes={} reason={}",
        nodeId,
        number,
        pending.size(),
        pendingBytes,
        reason);
    pending.clear();
    pendingBytes = 0;
    pendingSince = 0;
    nextBlockNumber = number + 1;
    blockListeners.forEach(Runnable::run);
  }
}
