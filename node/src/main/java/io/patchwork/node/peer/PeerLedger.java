package io.patchwork.node.peer;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.block.BlockVerifier;
import io.patchwork.node.channel.ConfigBlocks;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.ImportedEntry;
import io.patchwork.node.config.proto.ImportedNamespace;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.governance.GovernanceRecords;
import io.patchwork.node.opening.OpeningBook;
import io.patchwork.node.state.BlockUpdate;
import io.patchwork.node.state.SnapshotInfo;
import io.patchwork.node.state.StateReader;
import io.patchwork.node.state.StateResources;
import io.patchwork.node.state.StateWrite;
import io.patchwork.node.state.TxRecord;
import io.patchwork.node.state.TxWrites;
import io.patchwork.node.state.WorldState;
import io.patchwork.node.state.proto.StateAttestation;
import io.patchwork.node.store.BlockStore;
import io.patchwork.node.store.FileTrees;
import io.patchwork.node.tx.ConfigEnvelopes;
import io.patchwork.node.tx.EnvelopeHeaders;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.ledger.rwset.NsReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRWSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVWrite;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeEvent;
import org.hyperledger.fabric.protos.peer.ProposalResponsePayload;
import org.hyperledger.fabric.protos.peer.Transaction;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer's ledger: its block store and world state, kept in step. Each block from the orderers is
 * verified (chain, data hash, orderer signature), validated transaction by transaction, stored with
 * its validation codes, and its valid writes committed to the world state.
 *
 * <p>The config in force lives in the world state (namespace {@value #SYSTEM_NAMESPACE}), so it is
 * covered by the state hash and travels in snapshots.
 *
 * <p>Crash safety: a block is appended to the block store before its writes reach the state; on
 * open, blocks the state has not seen are replayed from the store using the validation codes
 * recorded in them (state commits are idempotent per block number).
 *
 * <p>Threading: {@link #commit} is called by one thread at a time, in block order; reads from any
 * thread. Listeners run on the committing thread and must not block.
 *
 * <p>One class on purpose: it owns the invariant that the block store and the world state move in
 * step (append, then commit, replay on open); split, that invariant would be spread over callers.
 */
public final class PeerLedger implements AutoCloseable {
  /** World-state namespace of the ledger's own records; no contract can write it. */
  public static final String SYSTEM_NAMESPACE = "_ledger";

  static final String CONFIG_KEY = "config";

  /** Where in {@link #SYSTEM_NAMESPACE} the channel tree in force is kept (a {@code Config}). */
  static final String CHANNEL_KEY = "channel";

  private static final Logger log = LoggerFactory.getLogger(PeerLedger.class);

  private final BlockStore blocks;
  private final WorldState state;
  private final Validator validator;
  private final BlockVerifier blockVerifier;
  private final List<Consumer<CommittedBlock>> listeners = new CopyOnWriteArrayList<>();
  private final Object commitLock = new Object();
  private boolean closed; // guarded by commitLock
  private volatile LedgerRules rules;
  private volatile Block last;

  /** A block stored whose world-state write failed; guarded by {@code commitLock}. */
  private Unfinished unfinished;

  private PeerLedger(
      BlockStore blocks, WorldState state, LedgerRules rules, SignatureVerifier verifier) {
    this.blocks = blocks;
    this.state = state;
    this.rules = rules;
    this.validator = new Validator(rules.ledgerId(), verifier);
    this.blockVerifier = new BlockVerifier(verifier);
    this.last = blocks.last().orElseThrow();
  }

  /**
   * Opens a peer's ledger on its block store and world state, starting it from the genesis block if
   * the store is empty, and replays stored blocks the state has not caught up with.
   */
  public static PeerLedger open(
      BlockStore blocks, WorldState state, Block genesis, SignatureVerifier verifier)
      throws IOException, ConfigException {
    LedgerRules genesisRules = ConfigBlocks.genesisRules(genesis);
    if (blocks.height() == 0) {
      blocks.append(genesis);
    } else if (blocks.first() == 0
        && !blocks.get(0).map(PeerLedger::headerHash).equals(Optional.of(headerHash(genesis)))) {
      throw new IOException(
          "the block store holds another ledger's blocks: its block 0 is not this ledger's genesis");
    }
    if (state.height() < 0) {
      state.commit(genesisUpdate(genesis, genesisRules));
    }
    for (long number = state.height() + 1; number < blocks.height(); number++) {
      Block stored = blocks.get(number).orElseThrow();
      state.commit(replay(stored));
      log.info("peer.block_replayed number={}", number);
    }
    LedgerRules rules = currentRules(state);
    return new PeerLedger(blocks, state, rules, verifier);
  }

  public LedgerRules rules() {
    return rules;
  }

  public WorldState state() {
    return state;
  }

  public BlockStore blocks() {
    return blocks;
  }

  /**
   * What this peer vouches for about block {@code number}: its hash and the state hash right after
   * it, if this peer committed it (or started from a snapshot at it).
   */
  Optional<StateAttestation> attestation(long number) {
    Optional<ByteString> stateHash = state.stateHashAt(number);
    if (stateHash.isEmpty()) {
      return Optional.empty();
    }
    Optional<Block> block;
    try {
      block = blocks.get(number);
    } catch (IOException e) {
      log.warn("peer.block_unreadable number={}", number, e);
      return Optional.empty();
    }
    return block.map(
        found ->
            StateAttestation.newBuilder()
                .setLedgerId(rules.ledgerId())
                .setBlockNumber(number)
                .setBlockHash(headerHash(found))
                .setStateHash(stateHash.get())
                .build());
  }

  /**
   * The next block number this peer expects: every block below it is stored and its valid writes
   * and transaction records are in the world state.
   */
  public long height() {
    return last.getHeader().getNumber() + 1;
  }

  public void onCommit(Consumer<CommittedBlock> listener) {
    listeners.add(listener);
  }

  public void removeListener(Consumer<CommittedBlock> listener) {
    listeners.remove(listener);
  }

  /**
   * Verifies, validates and commits the next block.
   *
   * @throws BlockRefusedException if the block does not follow the chain or no orderer of the
   *     ledger signed it; nothing is stored then
   */
  public CommittedBlock commit(Block block) throws IOException, BlockRefusedException {
    synchronized (commitLock) {
      if (closed) {
        throw new IOException(
            "the ledger is closed; block " + block.getHeader().getNumber() + " was not committed");
      }
      return commitInOrder(block);
    }
  }

  /**
   * Writes a snapshot of the committed world state to {@code file}, with the last committed block
   * as its anchor, so a new peer can start from it instead of replaying every block. Commits wait
   * while it is written.
   */
  public SnapshotInfo exportSnapshot(Path file) throws IOException {
    synchronized (commitLock) {
      SnapshotInfo info = state.exportSnapshot(file, last.toByteString());
      log.info(
          "peer.snapshot_exported height={} entries={} file={}",
          info.height(),
          info.entries(),
          file);
      return info;
    }
  }

  /**
   * Opens a new peer's ledger from a snapshot another peer exported: imports the world state,
   * starts the block store at the snapshot's anchor block, and checks both belong to this ledger
   * (same ledger id as the genesis, anchor signed by an orderer of the snapshot's config). Nothing
   * is left in the directories if it fails.
   */
  public static PeerLedger openFromSnapshot(
      Path snapshot,
      Path blocksDirectory,
      Path stateDirectory,
      StateResources resources,
      Block genesis,
      SignatureVerifier verifier)
      throws IOException, ConfigException {
    LedgerRules genesisRules = LedgerConfigs.fromGenesis(genesis);
    SnapshotInfo info = WorldState.readSnapshotInfo(snapshot);
    Block anchor;
    try {
      anchor = Block.parseFrom(info.peerMetadata());
    } catch (InvalidProtocolBufferException e) {
      throw new IOException(snapshot + ": the snapshot's anchor block cannot be decoded", e);
    }
    if (anchor.getHeader().getNumber() != info.height()) {
      throw new IOException(
          snapshot
              + ": the anchor is block "
              + anchor.getHeader().getNumber()
              + " but the state is at height "
              + info.height());
    }
    WorldState state = WorldState.importSnapshot(snapshot, stateDirectory, resources);
    BlockStore blocks = null;
    try {
      LedgerRules rules = currentRules(state);
      if (!rules.ledgerId().equals(genesisRules.ledgerId())) {
        throw new IOException(
            snapshot
                + ": the snapshot is of ledger "
                + rules.ledgerId()
                + ", not "
                + genesisRules.ledgerId());
      }
      Optional<String> unsigned =
          anchor.getHeader().getNumber() == 0
              ? (headerHash(anchor).equals(headerHash(genesis))
                  ? Optional.empty()
                  : Optional.of("block 0 is not this ledger's genesis"))
              : new BlockVerifier(verifier).unsigned(anchor, rules::ordererSigningCertificate);
      if (unsigned.isPresent()) {
        throw new IOException(snapshot + ": " + unsigned.get());
      }
      blocks = BlockStore.openFrom(blocksDirectory, anchor);
      PeerLedger ledger = open(blocks, state, genesis, verifier);
      log.info(
          "peer.joined_from_snapshot ledger={} height={} entries={}",
          rules.ledgerId(),
          info.height(),
          info.entries());
      return ledger;
    } catch (IOException | ConfigException | RuntimeException e) {
      state.close();
      if (blocks != null) {
        blocks.close();
      }
      deleteTree(stateDirectory);
      deleteTree(blocksDirectory);
      throw e;
    }
  }

  private static void deleteTree(Path directory) {
    try {
      FileTrees.delete(directory);
    } catch (IOException e) {
      log.warn("peer.cleanup_failed directory={}", directory, e);
    }
  }

  private CommittedBlock commitInOrder(Block block) throws IOException, BlockRefusedException {
    if (unfinished != null) {
      // An earlier attempt stored its block but could not write the world state (a full disk, no
      // file descriptors left): finish it first, as a restart would.
      CommittedBlock finished = finish(unfinished);
      log.info("peer.block_finished number={}", finished.number());
      if (block.getHeader().getNumber() == finished.number()) {
        return finished;
      }
    }
    LedgerRules current = rules;
    Optional<String> problem =
        blockVerifier.problem(last, block, current::ordererSigningCertificate);
    if (problem.isPresent()) {
      log.warn(
          "peer.block_refused number={} reason=\"{}\"",
          block.getHeader().getNumber(),
          problem.get());
      throw new BlockRefusedException(problem.get());
    }
    Validator.ValidatedBlock validated = validator.validate(block, current, state);
    byte[] filter = new byte[validated.outcomes().size()];
    List<TxRecord> records = new ArrayList<>(filter.length);
    List<CommittedTransaction> transactions = new ArrayList<>(filter.length);
    for (Validator.TxOutcome outcome : validated.outcomes()) {
      filter[outcome.txNumber()] = (byte) outcome.code().getNumber();
      records.add(
          new TxRecord(
              outcome.txId(),
              block.getHeader().getNumber(),
              outcome.txNumber(),
              outcome.code().getNumber()));
      transactions.add(
          new CommittedTransaction(
              outcome.txId(), outcome.txNumber(), outcome.code(), outcome.event()));
    }
    Block stored = withValidationCodes(block, filter);
    List<TxWrites> writes = new ArrayList<>(validated.writes());
    validated
        .newRules()
        .ifPresent(next -> writes.add(new TxWrites(0, List.of(configWrite(next.config())))));
    blocks.append(stored);
    return finish(
        new Unfinished(
            stored,
            new BlockUpdate(
                block.getHeader().getNumber(),
                writes,
                indexable(records),
                validated.committedReads()),
            validated.newRules(),
            new CommittedBlock(stored, transactions)));
  }

  /** A block stored in the block store whose world-state writes are still to be made. */
  private record Unfinished(
      Block stored, BlockUpdate update, Optional<LedgerRules> newRules, CommittedBlock committed) {}

  /**
   * Writes a stored block's state update — kept as unfinished until it succeeds, so that a failed
   * write is retried on the next commit instead of leaving the store a block ahead — then makes the
   * block the last one and tells the listeners.
   */
  private CommittedBlock finish(Unfinished block) throws IOException {
    unfinished = block;
    if (state.height() < block.update().blockNumber()) {
      state.commit(block.update());
    }
    unfinished = null;
    last = block.stored();
    block.newRules().ifPresent(next -> rules = next);
    CommittedBlock committed = block.committed();
    for (Consumer<CommittedBlock> listener : listeners) {
      try {
        listener.accept(committed);
      } catch (RuntimeException e) {
        log.warn("peer.listener_failed number={}", committed.number(), e);
      }
    }
    return committed;
  }

  /** Closes the ledger once a commit in progress has finished; later commits fail. */
  @Override
  public void close() throws IOException {
    synchronized (commitLock) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        state.close();
      } finally {
        blocks.close();
      }
    }
  }

  /** A block refused before validation: it cannot be part of this ledger's chain. */
  public static final class BlockRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    BlockRefusedException(String message) {
      super(message);
    }
  }

  private static List<TxRecord> indexable(List<TxRecord> records) {
    // Transactions too broken to carry an id cannot be looked up, and a duplicate must not hide
    // the first transaction with its id; both keep their code in the block's metadata.
    List<TxRecord> known = new ArrayList<>(records.size());
    for (TxRecord record : records) {
      if (!record.txId().isEmpty()
          && record.validationCode() != TxValidationCode.DUPLICATE_TXID_VALUE) {
        known.add(record);
      }
    }
    return known;
  }

  private static Block withValidationCodes(Block block, byte[] filter) {
    Block.Builder builder = block.toBuilder();
    int index = BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE;
    while (builder.getMetadata().getMetadataCount() <= index) {
      builder.getMetadataBuilder().addMetadata(ByteString.EMPTY);
    }
    builder.getMetadataBuilder().setMetadata(index, ByteString.copyFrom(filter));
    return builder.build();
  }

  private static StateWrite configWrite(LedgerConfig config) {
    return new StateWrite(SYSTEM_NAMESPACE, CONFIG_KEY, config.toByteString(), false);
  }

  /** The write of the channel tree a config block put in force. */
  static StateWrite channelWrite(Config tree) {
    return new StateWrite(SYSTEM_NAMESPACE, CHANNEL_KEY, tree.toByteString(), false);
  }

  /**
   * The channel tree in force: the one in the last config block, as its commit wrote it.
   *
   * @throws IllegalStateException if the state holds none (a ledger made before config blocks were
   *     Fabric's) or it does not decode
   */
  static Config channelTree(StateReader state) {
    ByteString bytes =
        state
            .value(SYSTEM_NAMESPACE, CHANNEL_KEY)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "the world state holds no channel config: this ledger was made by an"
                            + " earlier Patchwork whose config blocks were not Fabric's"));
    try {
      return Config.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the channel config in the world state does not decode", e);
    }
  }

  private static BlockUpdate genesisUpdate(Block genesis, LedgerRules rules) throws IOException {
    try {
      ChannelHeader header = EnvelopeHeaders.read(genesis.getData().getData(0)).channel();
      List<TxRecord> records =
          header.getTxId().isEmpty()
              ? List.of()
              : List.of(new TxRecord(header.getTxId(), 0, 0, TxValidationCode.VALID_VALUE));
      List<StateWrite> writes = new ArrayList<>();
      writes.add(configWrite(rules.config()));
      writes.add(channelWrite(ConfigBlocks.treeOf(genesis)));
      // A ledger made from a Fabric channel starts with its state.
      ConfigUpdate update =
          ConfigUpdate.parseFrom(
              ConfigEnvelopes.update(EnvelopeHeaders.read(genesis.getData().getData(0)).payload()));
      for (ImportedNamespace namespace : update.getImportedState().getNamespacesList()) {
        for (ImportedEntry entry : namespace.getEntriesList()) {
          writes.add(
              new StateWrite(namespace.getNamespace(), entry.getKey(), entry.getValue(), false));
        }
      }
      if (rules.config().hasOpening()) {
        writes.addAll(
            OpeningBook.writes(
                rules.config().getOpening(),
                header.getTxId(),
                Instant.ofEpochSecond(
                    header.getTimestamp().getSeconds(), header.getTimestamp().getNanos())));
      }
      return new BlockUpdate(0, List.of(new TxWrites(0, writes)), records);
    } catch (InvalidProtocolBufferException | ConfigException e) {
      throw new IOException("genesis block cannot be decoded: " + e.getMessage(), e);
    }
  }

  private static LedgerRules currentRules(WorldState state) throws ConfigException, IOException {
    ByteString bytes =
        state
            .value(SYSTEM_NAMESPACE, CONFIG_KEY)
            .orElseThrow(() -> new IOException("world state holds no ledger config"));
    return LedgerRules.of(LedgerConfig.parseFrom(bytes));
  }

  private static ByteString headerHash(Block block) {
    return ByteString.copyFrom(BlockHashes.headerHash(block.getHeader()));
  }

  /** The state update of a stored block, from the validation codes recorded in it. */
  static BlockUpdate replay(Block block) throws IOException {
    ByteString filter =
        block.getMetadata().getMetadata(BlockMetadataIndex.TRANSACTIONS_FILTER_VALUE);
    List<TxWrites> writes = new ArrayList<>();
    List<TxRecord> records = new ArrayList<>();
    long number = block.getHeader().getNumber();
    try {
      for (int i = 0; i < block.getData().getDataCount(); i++) {
        int code = filter.byteAt(i) & 0xff;
        Envelope envelope;
        Payload payload;
        ChannelHeader header;
        try {
          envelope = Envelope.parseFrom(block.getData().getData(i));
          EnvelopeHeaders headers = EnvelopeHeaders.read(envelope);
          payload = headers.payload();
          header = headers.channel();
        } catch (InvalidProtocolBufferException e) {
          continue;
        }
        records.add(new TxRecord(header.getTxId(), number, i, code));
        if (code != TxValidationCode.VALID_VALUE) {
          continue;
        }
        if (ConfigEnvelopes.isConfig(header)) {
          ConfigUpdate update = ConfigUpdate.parseFrom(ConfigEnvelopes.update(payload));
          // A governance record writes itself and leaves the config; a config change writes it
          // and the channel tree its CONFIG envelope carries.
          Optional<ConfigEnvelopes.Wrapped> wrapped = ConfigEnvelopes.unwrap(payload, header);
          writes.add(
              new TxWrites(
                  i,
                  update.hasRecord()
                      ? List.of(GovernanceRecords.writesOf(update.getRecord()))
                      : List.of(
                          configWrite(update.getConfig()),
                          channelWrite(
                              wrapped
                                  .orElseThrow(
                                      () ->
                                          new InvalidProtocolBufferException(
                                              "a config change outside a CONFIG envelope"))
                                  .tree()))));
        } else {
          writes.add(new TxWrites(i, writesOf(payload)));
        }
      }
    } catch (InvalidProtocolBufferException | IndexOutOfBoundsException e) {
      throw new IOException("stored block " + number + " cannot be replayed", e);
    }
    return new BlockUpdate(number, writes, indexable(records));
  }

  /** The chaincode action (results, events, response) an endorser transaction carries. */
  static ChaincodeAction chaincodeAction(Payload payload) throws InvalidProtocolBufferException {
    Transaction transaction = Transaction.parseFrom(payload.getData());
    if (transaction.getActionsCount() != 1) {
      throw new InvalidProtocolBufferException("an endorser transaction has exactly one action");
    }
    ChaincodeActionPayload actionPayload =
        ChaincodeActionPayload.parseFrom(transaction.getActions(0).getPayload());
    return ChaincodeAction.parseFrom(
        ProposalResponsePayload.parseFrom(actionPayload.getAction().getProposalResponsePayload())
            .getExtension());
  }

  /** The chaincode event of a stored endorser transaction, if it set one. */
  static Optional<ChaincodeEvent> eventOf(ByteString envelopeBytes) {
    try {
      EnvelopeHeaders headers = EnvelopeHeaders.read(envelopeBytes);
      if (!headers.isEndorserTransaction()) {
        return Optional.empty();
      }
      ByteString events = chaincodeAction(headers.payload()).getEvents();
      return events.isEmpty() ? Optional.empty() : Optional.of(ChaincodeEvent.parseFrom(events));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  private static List<StateWrite> writesOf(Payload payload) throws InvalidProtocolBufferException {
    ChaincodeAction action = chaincodeAction(payload);
    List<StateWrite> writes = new ArrayList<>();
    for (NsReadWriteSet ns : TxReadWriteSet.parseFrom(action.getResults()).getNsRwsetList()) {
      for (KVWrite write : KVRWSet.parseFrom(ns.getRwset()).getWritesList()) {
        writes.add(
            new StateWrite(
                ns.getNamespace(),
                write.getKey(),
                write.getIsDelete() ? ByteString.EMPTY : write.getValue(),
                write.getIsDelete()));
      }
    }
    return writes;
  }
}
