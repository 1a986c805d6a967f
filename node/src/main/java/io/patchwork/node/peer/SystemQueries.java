package io.patchwork.node.peer;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.block.BlockSignatures;
import io.patchwork.node.state.TxRecord;
import io.patchwork.node.store.BlockStore;
import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockchainInfo;
import org.hyperledger.fabric.protos.common.BootstrappingSnapshotInfo;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.OrdererBlockMetadata;
import org.hyperledger.fabric.protos.peer.ChannelInfo;
import org.hyperledger.fabric.protos.peer.ChannelQueryResponse;
import org.hyperledger.fabric.protos.peer.ProcessedTransaction;
import org.hyperledger.fabric.protos.peer.Response;

/**
 * The queries of Fabric's system chaincodes that tools send a peer for what it holds: {@value
 * #QSCC} (GetChainInfo, GetBlockByNumber, GetBlockByHash, GetBlockByTxID, GetTransactionByID) and
 * {@value #CSCC} (GetChannels, GetConfigBlock), answered with the same messages and statuses as a
 * Fabric peer: the payload is the encoded {@code BlockchainInfo}, {@code Block}, {@code
 * ProcessedTransaction} or {@code ChannelQueryResponse}; a bad argument or something not found is
 * status 500 with a message, as Fabric's shim errors are. They read committed blocks only and write
 * nothing; the caller has checked that a member of the ledger signed the query. Thread-safe.
 */
final class SystemQueries {
  static final String QSCC = "qscc";
  static final String CSCC = "cscc";

  private static final Set<String> NAMES = Set.of(QSCC, CSCC);
  private static final Set<String> BY_ARGUMENT =
      Set.of("GetBlockByNumber", "GetBlockByHash", "GetTransactionByID", "GetBlockByTxID");
  private static final int ERROR = 500;

  private final String ledgerId;
  private final BlockStore blocks;
  private final Function<String, Optional<TxRecord>> transactions;

  SystemQueries(
      String ledgerId, BlockStore blocks, Function<String, Optional<TxRecord>> transactions) {
    this.ledgerId = Objects.requireNonNull(ledgerId, "ledgerId");
    this.blocks = Objects.requireNonNull(blocks, "blocks");
    this.transactions = Objects.requireNonNull(transactions, "transactions");
  }

  /** Whether {@code chaincode} names a system chaincode answered here. */
  static boolean answers(String chaincode) {
    return NAMES.contains(chaincode);
  }

  /**
   * The ledger a query is about, as Fabric tools name it: the first argument after the function
   * (they send such queries with an empty channel in the header), or empty for cscc's GetChannels.
   */
  static Optional<String> ledgerNamed(String chaincode, List<ByteString> args) {
    if (chaincode.equals(CSCC)
        && !args.isEmpty()
        && args.get(0).toStringUtf8().equals("GetChannels")) {
      return Optional.empty();
    }
    return args.size() < 2 ? Optional.empty() : Optional.of(args.get(1).toStringUtf8());
  }

  /** The answer to function {@code args[0]} of {@code chaincode} with the arguments after it. */
  Response answer(String chaincode, List<ByteString> args) {
    if (args.isEmpty()) {
      return error("Incorrect number of arguments, 0");
    }
    String function = args.get(0).toStringUtf8();
    try {
      return chaincode.equals(QSCC) ? ledgerQuery(function, args) : configQuery(function, args);
    } catch (IOException e) {
      return error("Failed to read the block store: " + e.getMessage());
    }
  }

  private Response ledgerQuery(String function, List<ByteString> args) throws IOException {
    if (args.size() < 2) {
      return error("Incorrect number of arguments, " + args.size());
    }
    String channel = args.get(1).toStringUtf8();
    if (!channel.equals(ledgerId)) {
      return error("Invalid chain ID, " + channel);
    }
    if (function.equals("GetChainInfo")) {
      return ok(chainInfo().toByteString());
    }
    if (!BY_ARGUMENT.contains(function)) {
      return error("Requested function " + function + " not found.");
    }
    if (args.size() < 3) {
      return error("missing 3rd argument for " + function);
    }
    ByteString argument = args.get(2);
    return switch (function) {
      case "GetBlockByNumber" -> blockByNumber(argument.toStringUtf8());
      case "GetBlockByHash" -> blockByHash(argument);
      case "GetTransactionByID" -> transactionById(argument.toStringUtf8());
      case "GetBlockByTxID" -> blockByTransactionId(argument.toStringUtf8());
      default -> error("Requested function " + function + " not found.");
    };
  }

  private Response configQuery(String function, List<ByteString> args) throws IOException {
    if (function.equals("GetChannels")) {
      return ok(
          ChannelQueryResponse.newBuilder()
              .addChannels(ChannelInfo.newBuilder().setChannelId(ledgerId))
              .build()
              .toByteString());
    }
    if (!function.equals("GetConfigBlock")) {
      return error("Requested function " + function + " not found.");
    }
    if (args.size() < 2) {
      return error("Incorrect number of arguments, " + args.size());
    }
    String channel = args.get(1).toStringUtf8();
    if (!channel.equals(ledgerId)) {
      return error("Unknown chain ID, " + channel);
    }
    Optional<Block> last = blocks.last();
    long configNumber =
        last.flatMap(BlockSignatures::ordererMetadata)
            .map(OrdererBlockMetadata::getLastConfig)
            .map(config -> config.getIndex())
            .orElse(0L);
    Optional<Block> config = blocks.get(configNumber);
    if (config.isEmpty()) {
      return error(
          "this peer holds no block "
              + configNumber
              + ", the last config block: it started from a snapshot at block "
              + blocks.first());
    }
    return ok(config.get().toByteString());
  }

  private BlockchainInfo chainInfo() {
    BlockchainInfo.Builder info = BlockchainInfo.newBuilder().setHeight(blocks.height());
    blocks
        .last()
        .ifPresent(
            last ->
                info.setCurrentBlockHash(
                        ByteString.copyFrom(BlockHashes.headerHash(last.getHeader())))
                    .setPreviousBlockHash(last.getHeader().getPreviousHash()));
    if (blocks.first() > 0) {
      info.setBootstrappingSnapshotInfo(
          BootstrappingSnapshotInfo.newBuilder().setLastBlockInSnapshot(blocks.first()));
    }
    return info.build();
  }

  private Response blockByNumber(String text) throws IOException {
    long number;
    try {
      number = Long.parseUnsignedLong(text);
    } catch (NumberFormatException e) {
      return error("Failed to parse block number with error " + text + " is not a block number");
    }
    return blocks
        .get(number)
        .map(block -> ok(block.toByteString()))
        .orElseGet(() -> error(notHeld("block number " + number)));
  }

  /** By hash: the blocks are walked back from the last one, as no index by hash is kept. */
  private Response blockByHash(ByteString hash) throws IOException {
    byte[] wanted = hash.toByteArray();
    for (long number = blocks.height() - 1; number >= blocks.first(); number--) {
      Optional<Block> block = blocks.get(number);
      if (block.isPresent()
          && Arrays.equals(BlockHashes.headerHash(block.get().getHeader()), wanted)) {
        return ok(block.get().toByteString());
      }
    }
    return error(notHeld("the block with hash " + HexFormat.of().formatHex(wanted)));
  }

  private Response transactionById(String txId) throws IOException {
    if (txId.isEmpty()) {
      return error("Transaction ID must not be nil.");
    }
    Optional<TxRecord> record = transactions.apply(txId);
    Optional<Block> block = blockOf(record);
    if (block.isEmpty()) {
      return error(notHeld("transaction with id " + txId));
    }
    Envelope envelope;
    try {
      envelope = Envelope.parseFrom(block.get().getData().getData(record.get().txNumber()));
    } catch (InvalidProtocolBufferException e) {
      return error(
          "Failed to get transaction with id " + txId + ", error its envelope does not decode");
    }
    return ok(
        ProcessedTransaction.newBuilder()
            .setTransactionEnvelope(envelope)
            .setValidationCode(record.get().validationCode())
            .build()
            .toByteString());
  }

  private Response blockByTransactionId(String txId) throws IOException {
    return blockOf(transactions.apply(txId))
        .map(found -> ok(found.toByteString()))
        .orElseGet(() -> error(notHeld("block for transaction with id " + txId)));
  }

  /** The block a committed transaction is in, if this peer holds it. */
  private Optional<Block> blockOf(Optional<TxRecord> record) throws IOException {
    return record.isEmpty() ? Optional.empty() : blocks.get(record.get().blockNumber());
  }

  private String notHeld(String what) {
    return "Failed to get "
        + what
        + ": this peer holds blocks "
        + blocks.first()
        + " to "
        + (blocks.height() - 1)
        + " of ledger "
        + ledgerId;
  }

  private static Response ok(ByteString payload) {
    return Response.newBuilder().setStatus(200).setPayload(payload).build();
  }

  private static Response error(String message) {
    return Response.newBuilder().setStatus(ERROR).setMessage(message).build();
  }
}
