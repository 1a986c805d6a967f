package io.patchwork.node.peer;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.patchwork.ca.Role;
import io.patchwork.node.block.BlockSignatures;
import io.patchwork.node.channel.ConfigBlocks;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.MemberSignatures;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.governance.GovernanceRecords;
import io.patchwork.node.settle.ClosingBook;
import io.patchwork.node.settle.SettlementStatements;
import io.patchwork.node.state.StateEntry;
import io.patchwork.node.state.StateKey;
import io.patchwork.node.state.StateReader;
import io.patchwork.node.state.StateWrite;
import io.patchwork.node.state.TxWrites;
import io.patchwork.node.state.Version;
import io.patchwork.node.state.VersionedValue;
import io.patchwork.node.state.WorldState;
import io.patchwork.node.tx.ConfigEnvelopes;
import io.patchwork.node.tx.TransactionIds;
import io.patchwork.node.update.ConfigUpdateCheck;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Config;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.ledger.rwset.NsReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRWSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRead;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVWrite;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.RangeQueryInfo;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ChaincodeActionPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeEvent;
import org.hyperledger.fabric.protos.peer.ChaincodeInvocationSpec;
import org.hyperledger.fabric.protos.peer.ChaincodeProposalPayload;
import org.hyperledger.fabric.protos.peer.Endorsement;
import org.hyperledger.fabric.protos.peer.ProposalResponsePayload;
import org.hyperledger.fabric.protos.peer.Transaction;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/**
 * Validates every transaction of a block the way every peer must, so that all peers reach the same
 * codes and the same state: envelope and headers, creator identity and signature at the
 * transaction's time, transaction id, duplicates, pinned contract, endorsement signatures against
 * the endorsement policy, and MVCC read versions (including phantom reads of range queries) against
 * committed state plus the writes of earlier valid transactions in the same block.
 *
 * <p>Deterministic: it reads nothing but the block, the config and the committed state. Not
 * thread-safe; a peer validates its blocks one at a time, in order.
 *
 * <p>One class on purpose: the checks run in Fabric's order over one block's shared reads, and the
 * order decides which code a transaction gets; it is kept right by reading top to bottom here.
 * Signatures go through {@code MemberSignatures}, config transactions through {@code
 * ConfigUpdateCheck}.
 */
final class Validator {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Validator.class);
  private final String ledgerId;
  private final SignatureVerifier verifier;

  Validator(String ledgerId, SignatureVerifier verifier) {
    this.ledgerId = ledgerId;
    this.verifier = verifier;
  }

  /** One transaction's outcome. */
  record TxOutcome(
      int txNumber,
      String txId,
      TxValidationCode code,
      Optional<ChaincodeEvent> event,
      List<StateWrite> writes) {}

  /**
   * A validated block: outcomes per transaction, new rules after a valid config transaction, and
   * the committed values validation read in one batch (which the state commit can reuse).
   */
  record ValidatedBlock(
      List<TxOutcome> outcomes,
      Optional<LedgerRules> newRules,
      Map<StateKey, Optional<VersionedValue>> committedReads) {
    List<TxWrites> writes() {
      List<TxWrites> all = new ArrayList<>();
      for (TxOutcome outcome : outcomes) {
        if (outcome.code() == TxValidationCode.VALID && !outcome.writes().isEmpty()) {
          all.add(new TxWrites(outcome.txNumber(), outcome.writes()));
        }
      }
      return all;
    }
  }

  /** A refusal inside validation: the code to record. */
  private static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;
    final TxValidationCode code;

    Invalid(TxValidationCode code) {
      super(code.name(), null, false, false);
      this.code = code;
    }
  }

  ValidatedBlock validate(Block block, LedgerRules rules, WorldState state) {
    List<ByteString> data = block.getData().getDataList();
    Optional<Instant> blockTime = BlockSignatures.blockTime(block);
    List<ReadTx> read = new ArrayList<>(data.size());
    for (ByteString bytes : data) {
      read.add(read(bytes, blockTime));
    }
    BlockScope scope = BlockScope.prefetched(state, read, rules);
    List<TxOutcome> outcomes = new ArrayList<>();
    Optional<LedgerRules> newRules = Optional.empty();
    for (int i = 0; i < data.size(); i++) {
      ParsedTx parsed = null;
      try {
        parsed = read.get(i).parsed();
        checkCreator(parsed, rules);
        boolean duplicate =
            !scope.txIds.add(parsed.txId) || scope.committedTransaction(parsed.txId);
        if (ConfigEnvelopes.isConfig(parsed.channelHeader)) {
          // Orderers judge config transactions too, and cannot see transaction ids; a config
          // change cannot repeat anyway (each needs the next sequence), so a reused id does not
          // make it invalid — it only keeps the first transaction's record.
          LedgerRules next = checkConfig(parsed, rules, data.size());
          checkStatement(parsed, block, state);
          List<StateWrite> writes;
          if (next.sequence() == rules.sequence()) {
            // A governance record: judged against what is recorded, written, config unchanged.
            if (parsed.tree.isPresent()) {
              throw new Invalid(TxValidationCode.INVALID_CONFIG_TRANSACTION);
            }
            writes = governanceRecord(parsed, rules, state);
          } else {
            writes = List.of(PeerLedger.channelWrite(checkTree(parsed, next, state)));
            newRules = Optional.of(next);
          }
          outcomes.add(
              new TxOutcome(
                  i,
                  duplicate ? "" : parsed.txId,
                  TxValidationCode.VALID,
                  Optional.empty(),
                  writes));
        } else if (duplicate) {
          throw new Invalid(TxValidationCode.DUPLICATE_TXID);
        } else {
          outcomes.add(checkEndorserTransaction(i, parsed, read.get(i), rules, scope));
        }
      } catch (Invalid invalid) {
        outcomes.add(
            new TxOutcome(
                i, parsed == null ? "" : parsed.txId, invalid.code, Optional.empty(), List.of()));
      }
    }
    return new ValidatedBlock(outcomes, newRules, scope.committedValues);
  }

  /**
   * A transaction's envelope and headers; for a {@code CONFIG} envelope, those of the config
   * transaction inside it, and the channel tree it carries.
   */
  private record ParsedTx(
      Envelope envelope,
      Payload payload,
      Header header,
      ChannelHeader channelHeader,
      SignatureHeader signatureHeader,
      String txId,
      Instant checkedAt,
      Optional<Config> tree) {}

  /** The parts of an endorser transaction's single action. */
  private record EndorserAction(
      ChaincodeActionPayload actionPayload,
      ProposalResponsePayload responsePayload,
      ChaincodeAction action,
      ChaincodeInvocationSpec invocation) {
    String contract() {
      return action.getChaincodeId().getName();
    }
  }

  /**
   * A transaction as read from its bytes, before the checks that need the config, the state or the
   * transactions before it. What cannot be read is kept as the code to record when validation
   * reaches the check that needs it, so each transaction gets the code it would get if it were read
   * part by part as it is checked; reading first lets a block's state reads go in one batch.
   */
  private static final class ReadTx {
    private ParsedTx parsed;
    private Invalid unreadable;
    private EndorserAction action;
    private Invalid actionUnreadable;
    private KVRWSet rwSet;
    private Invalid rwSetUnreadable;

    ParsedTx parsed() throws Invalid {
      if (unreadable != null) {
        throw unreadable;
      }
      return parsed;
    }

    EndorserAction action() throws Invalid {
      if (actionUnreadable != null) {
        throw actionUnreadable;
      }
      return action;
    }

    KVRWSet rwSet() throws Invalid {
      if (rwSetUnreadable != null) {
        throw rwSetUnreadable;
      }
      return rwSet;
    }
  }

  private ReadTx read(ByteString bytes, Optional<Instant> blockTime) {
    ReadTx tx = new ReadTx();
    try {
      tx.parsed = parse(bytes, blockTime);
    } catch (Invalid invalid) {
      tx.unreadable = invalid;
      return tx;
    }
    if (ConfigEnvelopes.isConfig(tx.parsed.channelHeader)) {
      return tx;
    }
    try {
      tx.action = endorserAction(tx.parsed.payload);
    } catch (Invalid invalid) {
      tx.actionUnreadable = invalid;
      return tx;
    }
    try {
      tx.rwSet = readWriteSet(tx.action.action().getResults(), tx.action.contract());
    } catch (Invalid invalid) {
      tx.rwSetUnreadable = invalid;
    }
    return tx;
  }

  private static EndorserAction endorserAction(Payload payload) throws Invalid {
    try {
      Transaction transaction = Transaction.parseFrom(payload.getData());
      if (transaction.getActionsCount() != 1) {
        throw new Invalid(TxValidationCode.NIL_TXACTION);
      }
      ChaincodeActionPayload actionPayload =
          ChaincodeActionPayload.parseFrom(transaction.getActions(0).getPayload());
      ProposalResponsePayload responsePayload =
          ProposalResponsePayload.parseFrom(actionPayload.getAction().getProposalResponsePayload());
      return new EndorserAction(
          actionPayload,
          responsePayload,
          ChaincodeAction.parseFrom(responsePayload.getExtension()),
          ChaincodeInvocationSpec.parseFrom(
              ChaincodeProposalPayload.parseFrom(actionPayload.getChaincodeProposalPayload())
                  .getInput()));
    } catch (InvalidProtocolBufferException e) {
      throw new Invalid(TxValidationCode.BAD_PAYLOAD);
    }
  }

  /**
   * Reads the envelope step by step rather than with {@code EnvelopeHeaders}: Fabric gives a broken
   * payload and a broken header different codes (BAD_PAYLOAD, NIL_ENVELOPE, BAD_COMMON_HEADER).
   */
  private ParsedTx parse(ByteString bytes, Optional<Instant> blockTime) throws Invalid {
    Envelope envelope;
    Payload payload;
    try {
      envelope = Envelope.parseFrom(bytes);
      payload = Payload.parseFrom(envelope.getPayload());
    } catch (InvalidProtocolBufferException e) {
      throw new Invalid(TxValidationCode.BAD_PAYLOAD);
    }
    if (envelope.getPayload().isEmpty()) {
      throw new Invalid(TxValidationCode.NIL_ENVELOPE);
    }
    ChannelHeader channelHeader;
    SignatureHeader signatureHeader;
    try {
      channelHeader = ChannelHeader.parseFrom(payload.getHeader().getChannelHeader());
      signatureHeader = SignatureHeader.parseFrom(payload.getHeader().getSignatureHeader());
    } catch (InvalidProtocolBufferException e) {
      throw new Invalid(TxValidationCode.BAD_COMMON_HEADER);
    }
    if (!ledgerId.equals(channelHeader.getChannelId())) {
      throw new Invalid(TxValidationCode.TARGET_CHAIN_NOT_FOUND);
    }
    Optional<Config> tree = Optional.empty();
    if (channelHeader.getType() == HeaderType.CONFIG_VALUE) {
      // A config change, ordered in Fabric's form: judge the member's transaction inside it.
      ChannelHeader outer = channelHeader;
      try {
        ConfigEnvelopes.Wrapped wrapped = ConfigEnvelopes.unwrap(payload, outer).orElseThrow();
        envelope = wrapped.submitted().orElseThrow(() -> new Invalid(BAD_CONFIG));
        payload = Payload.parseFrom(envelope.getPayload());
        channelHeader = ChannelHeader.parseFrom(payload.getHeader().getChannelHeader());
        signatureHeader = SignatureHeader.parseFrom(payload.getHeader().getSignatureHeader());
        tree = Optional.of(wrapped.tree());
      } catch (InvalidProtocolBufferException e) {
        throw new Invalid(BAD_CONFIG);
      }
      if (!ConfigEnvelopes.isConfig(channelHeader)
          || channelHeader.getType() != HeaderType.ENDORSER_TRANSACTION_VALUE
          || !channelHeader.getChannelId().equals(outer.getChannelId())
          || !channelHeader.getTxId().equals(outer.getTxId())
          || !channelHeader.getTimestamp().equals(outer.getTimestamp())) {
        throw new Invalid(BAD_CONFIG);
      }
    }
    if (channelHeader.getType() != HeaderType.ENDORSER_TRANSACTION_VALUE) {
      throw new Invalid(TxValidationCode.UNKNOWN_TX_TYPE);
    }
    if (signatureHeader.getNonce().isEmpty() || signatureHeader.getCreator().isEmpty()) {
      throw new Invalid(TxValidationCode.BAD_COMMON_HEADER);
    }
    String txId = channelHeader.getTxId();
    Timestamp timestamp = channelHeader.getTimestamp();
    if (!TransactionIds.compute(signatureHeader.getNonce(), signatureHeader.getCreator())
        .equals(txId)) {
      throw new Invalid(TxValidationCode.BAD_PROPOSAL_TXID);
    }
    return new ParsedTx(
        envelope,
        payload,
        payload.getHeader(),
        channelHeader,
        signatureHeader,
        txId,
        blockTime.orElseGet(() -> Transactions.instant(timestamp)),
        tree);
  }

  private void checkCreator(ParsedTx tx, LedgerRules rules) throws Invalid {
    if (!MemberSignatures.signed(
            rules,
            tx.signatureHeader.getCreator(),
            tx.envelope.getPayload(),
            tx.envelope.getSignature(),
            tx.checkedAt,
            verifier)
        .passed()) {
      throw new Invalid(TxValidationCode.BAD_CREATOR_SIGNATURE);
    }
  }

  private TxOutcome checkEndorserTransaction(
      int txNumber, ParsedTx tx, ReadTx read, LedgerRules rules, BlockScope scope) throws Invalid {
    if (rules.status() != LedgerStatus.OPEN) {
      throw new Invalid(TxValidationCode.INVALID_OTHER_REASON);
    }
    EndorserAction parts = read.action();
    ChaincodeActionPayload actionPayload = parts.actionPayload();
    ChaincodeAction action = parts.action();
    if (!parts
        .responsePayload()
        .getProposalHash()
        .equals(
            Transactions.proposalHash(tx.header, actionPayload.getChaincodeProposalPayload()))) {
      throw new Invalid(TxValidationCode.BAD_RESPONSE_PAYLOAD);
    }
    String contract = parts.contract();
    // The pin alone decides: whether this peer could run the contract must not change a
    // transaction's validity, or peers would disagree on it (external chaincode runs on endorsing
    // peers only).
    if (!contract.equals(parts.invocation().getChaincodeSpec().getChaincodeId().getName())
        || rules.pinnedContract(contract).isEmpty()) {
      throw new Invalid(TxValidationCode.INVALID_CHAINCODE);
    }
    if (action.getResponse().getStatus() != 200) {
      throw new Invalid(TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
    }
    checkEndorsements(
        actionPayload.getAction().getProposalResponsePayload(),
        actionPayload.getAction().getEndorsementsList(),
        tx.checkedAt,
        rules);
    KVRWSet rwSet = read.rwSet();
    checkReads(contract, rwSet, scope);
    List<StateWrite> writes = new ArrayList<>(rwSet.getWritesCount());
    for (KVWrite write : rwSet.getWritesList()) {
      if (write.getKey().isEmpty()) {
        throw new Invalid(TxValidationCode.INVALID_WRITESET);
      }
      writes.add(
          new StateWrite(
              contract,
              write.getKey(),
              write.getIsDelete() ? ByteString.EMPTY : write.getValue(),
              write.getIsDelete()));
    }
    scope.apply(contract, writes);
    Optional<ChaincodeEvent> event = Optional.empty();
    if (!action.getEvents().isEmpty()) {
      try {
        event = Optional.of(ChaincodeEvent.parseFrom(action.getEvents()));
      } catch (InvalidProtocolBufferException e) {
        throw new Invalid(TxValidationCode.BAD_PAYLOAD);
      }
    }
    return new TxOutcome(txNumber, tx.txId, TxValidationCode.VALID, event, writes);
  }

  private void checkEndorsements(
      ByteString responsePayload, List<Endorsement> endorsements, Instant at, LedgerRules rules)
      throws Invalid {
    Set<String> organizations = new HashSet<>();
    for (Endorsement endorsement : endorsements) {
      MemberSignatures.Outcome endorser =
          MemberSignatures.signed(
              rules,
              Role.PEER,
              endorsement.getEndorser(),
              responsePayload.concat(endorsement.getEndorser()),
              endorsement.getSignature(),
              at,
              verifier);
      if (endorser.passed()) {
        organizations.add(endorser.signer().get().mspId());
      }
    }
    if (!rules.endorsementSatisfied(organizations)) {
      throw new Invalid(TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
    }
  }

  private static KVRWSet readWriteSet(ByteString results, String contract) throws Invalid {
    try {
      TxReadWriteSet txRwSet = TxReadWriteSet.parseFrom(results);
      KVRWSet merged = KVRWSet.getDefaultInstance();
      for (NsReadWriteSet ns : txRwSet.getNsRwsetList()) {
        if (!ns.getNamespace().equals(contract)) {
          throw new Invalid(TxValidationCode.ILLEGAL_WRITESET);
        }
        merged = merged.toBuilder().mergeFrom(KVRWSet.parseFrom(ns.getRwset())).build();
      }
      return merged;
    } catch (InvalidProtocolBufferException e) {
      throw new Invalid(TxValidationCode.BAD_RWSET);
    }
  }

  private static void checkReads(String namespace, KVRWSet rwSet, BlockScope scope) throws Invalid {
    for (KVRead read : rwSet.getReadsList()) {
      if (scope.writtenInBlock(namespace, read.getKey())) {
        throw new Invalid(TxValidationCode.MVCC_READ_CONFLICT);
      }
      Optional<Version> committed =
          scope.committed(namespace, read.getKey()).map(VersionedValue::version);
      Optional<Version> seen =
          read.hasVersion()
              ? Optional.of(
                  new Version(read.getVersion().getBlockNum(), read.getVersion().getTxNum()))
              : Optional.empty();
      if (!committed.equals(seen)) {
        throw new Invalid(TxValidationCode.MVCC_READ_CONFLICT);
      }
    }
    for (RangeQueryInfo range : rwSet.getRangeQueriesInfoList()) {
      checkRange(namespace, range, scope);
    }
  }

  private static void checkRange(String namespace, RangeQueryInfo range, BlockScope scope)
      throws Invalid {
    if (!range.hasRawReads()) {
      throw new Invalid(TxValidationCode.PHANTOM_READ_CONFLICT);
    }
    if (scope.writtenInRange(namespace, range.getStartKey(), range.getEndKey())) {
      throw new Invalid(TxValidationCode.PHANTOM_READ_CONFLICT);
    }
    List<KVRead> seen = range.getRawReads().getKvReadsList();
    int limit = range.getItrExhausted() ? seen.size() + 1 : seen.size();
    List<StateEntry> now =
        scope.state.range(namespace, range.getStartKey(), range.getEndKey(), Math.max(limit, 1));
    if (range.getItrExhausted() ? now.size() != seen.size() : now.size() < seen.size()) {
      throw new Invalid(TxValidationCode.PHANTOM_READ_CONFLICT);
    }
    for (int i = 0; i < seen.size(); i++) {
      KVRead read = seen.get(i);
      StateEntry entry = now.get(i);
      Version version = entry.value().version();
      if (!entry.key().equals(read.getKey())
          || version.blockNumber() != read.getVersion().getBlockNum()
          || version.txNumber() != read.getVersion().getTxNum()) {
        throw new Invalid(TxValidationCode.PHANTOM_READ_CONFLICT);
      }
    }
  }

  /** How a config change whose {@code CONFIG} envelope is not Patchwork's own is recorded. */
  private static final TxValidationCode BAD_CONFIG = TxValidationCode.INVALID_CONFIG_TRANSACTION;

  /**
   * A config change's channel tree must be the one every node derives: the tree in force moved on
   * to the new config ({@link ConfigBlocks#next}). Answers it.
   */
  private static Config checkTree(ParsedTx tx, LedgerRules next, WorldState state) throws Invalid {
    Config carried = tx.tree.orElseThrow(() -> new Invalid(BAD_CONFIG));
    if (!ConfigBlocks.next(PeerLedger.channelTree(state), next.config()).equals(carried)) {
      throw new Invalid(BAD_CONFIG);
    }
    return carried;
  }

  /** The encoded update a config transaction carries. */
  private static ByteString updateOf(ParsedTx tx) throws Invalid {
    try {
      return ConfigEnvelopes.update(tx.payload);
    } catch (InvalidProtocolBufferException e) {
      throw new Invalid(TxValidationCode.INVALID_CONFIG_TRANSACTION);
    }
  }

  /** A config transaction must be alone in its block and pass the check orderers also make. */
  private LedgerRules checkConfig(ParsedTx tx, LedgerRules rules, int transactionsInBlock)
      throws Invalid {
    if (transactionsInBlock != 1) {
      throw new Invalid(TxValidationCode.INVALID_CONFIG_TRANSACTION);
    }
    ConfigUpdateCheck.Verdict verdict =
        ConfigUpdateCheck.checkUpdate(updateOf(tx), rules, tx.checkedAt, verifier);
    if (!verdict.applies()) {
      throw new Invalid(TxValidationCode.INVALID_CONFIG_TRANSACTION);
    }
    return verdict.next().orElseThrow();
  }

  /**
   * A settlement statement must say what this peer's own committed state gives: the history ends
   * with the block before this one, at this state hash, with these positions and balances.
   */
  private void checkStatement(ParsedTx tx, Block block, WorldState state) throws Invalid {
    ConfigUpdate update;
    try {
      update = ConfigUpdate.parseFrom(updateOf(tx));
    } catch (InvalidProtocolBufferException e) {
      throw new Invalid(TxValidationCode.INVALID_CONFIG_TRANSACTION);
    }
    if (!update.hasStatement()) {
      return;
    }
    Optional<String> refusal =
        SettlementStatements.contentRefusal(
            update.getStatement(),
            SettlementStatements.compute(
                ledgerId,
                block.getHeader().getNumber(),
                block.getHeader().getPreviousHash(),
                state.stateHash(),
                ClosingBook.read(state)));
    if (refusal.isPresent()) {
      log.warn(
          "peer.statement_refused tx={} block={} reason=\"{}\"",
          tx.txId,
          block.getHeader().getNumber(),
          refusal.get());
      throw new Invalid(TxValidationCode.INVALID_CONFIG_TRANSACTION);
    }
  }

  private List<StateWrite> governanceRecord(ParsedTx tx, LedgerRules rules, StateReader state)
      throws Invalid {
    try {
      GovernanceRecords.Outcome outcome =
          GovernanceRecords.record(
              ConfigUpdate.parseFrom(updateOf(tx)), rules, state, tx.checkedAt, verifier);
      if (outcome.refusal().isPresent()) {
        log.debug(
            "peer.governance_record_refused tx={} reason=\"{}\"", tx.txId, outcome.refusal().get());
        throw new Invalid(TxValidationCode.INVALID_CONFIG_TRANSACTION);
      }
      return outcome.writes();
    } catch (InvalidProtocolBufferException e) {
      throw new Invalid(TxValidationCode.INVALID_CONFIG_TRANSACTION);
    }
  }

  /**
   * What earlier valid transactions of the block wrote, layered over committed state; the block's
   * transaction ids and the keys its transactions read are looked up in committed state in one
   * batch before validation starts (the state does not change while a block is validated).
   */
  private static final class BlockScope {
    final WorldState state;
    final Set<String> txIds = new HashSet<>();
    final Map<String, Set<String>> written = new HashMap<>();
    private final Set<String> askedTxIds;
    private final Set<String> committedTxIds;
    final Map<StateKey, Optional<VersionedValue>> committedValues;

    private BlockScope(
        WorldState state,
        Set<String> askedTxIds,
        Set<String> committedTxIds,
        Map<StateKey, Optional<VersionedValue>> committedValues) {
      this.state = state;
      this.askedTxIds = askedTxIds;
      this.committedTxIds = committedTxIds;
      this.committedValues = committedValues;
    }

    /**
     * A scope with the committed records of the block's transaction ids and the committed values of
     * the keys its readable transactions read in contracts the ledger runs.
     */
    static BlockScope prefetched(WorldState state, List<ReadTx> block, LedgerRules rules) {
      Set<String> ids = new HashSet<>();
      Set<StateKey> keys = new HashSet<>();
      for (ReadTx tx : block) {
        if (tx.parsed != null) {
          ids.add(tx.parsed.txId);
        }
        if (tx.rwSet != null && rules.pinnedContract(tx.action.contract()).isPresent()) {
          for (KVRead read : tx.rwSet.getReadsList()) {
            keys.add(new StateKey(tx.action.contract(), read.getKey()));
          }
        }
      }
      return new BlockScope(state, ids, state.committedTransactions(ids), state.values(keys));
    }

    boolean committedTransaction(String txId) {
      return askedTxIds.contains(txId)
          ? committedTxIds.contains(txId)
          : state.transaction(txId).isPresent();
    }

    Optional<VersionedValue> committed(String namespace, String key) {
      Optional<VersionedValue> prefetched = committedValues.get(new StateKey(namespace, key));
      return prefetched != null ? prefetched : state.get(namespace, key);
    }

    boolean writtenInBlock(String namespace, String key) {
      return written.getOrDefault(namespace, Set.of()).contains(key);
    }

    boolean writtenInRange(String namespace, String start, String end) {
      for (String key : written.getOrDefault(namespace, Set.of())) {
        if (Keys.compare(key, start) >= 0 && (end.isEmpty() || Keys.compare(key, end) < 0)) {
          return true;
        }
      }
      return false;
    }

    void apply(String namespace, List<StateWrite> writes) {
      Set<String> keys = written.computeIfAbsent(namespace, n -> new HashSet<>());
      for (StateWrite write : writes) {
        keys.add(write.key());
      }
    }
  }
}
