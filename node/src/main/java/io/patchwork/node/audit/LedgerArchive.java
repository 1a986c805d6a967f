package io.patchwork.node.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.block.ChainCheck;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.config.proto.SettlementStatement;
import io.patchwork.node.config.proto.SignedSettlementStatement;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.peer.PeerLedger;
import io.patchwork.node.settle.ClosingBook;
import io.patchwork.node.settle.SettlementStatements;
import io.patchwork.node.state.StateResources;
import io.patchwork.node.state.WorldState;
import io.patchwork.node.store.BlockStore;
import io.patchwork.node.store.FileTrees;
import io.patchwork.node.tx.EnvelopeHeaders;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.hyperledger.fabric.protos.common.Block;

/**
 * A closed ledger as one file anyone can check without trusting whoever kept it: a zip holding
 * every block from genesis ({@value #BLOCKS}, length-delimited), the final world state ({@value
 * #SNAPSHOT}, a peer snapshot), the signed settlement statement ({@value #STATEMENT}), the config
 * history ({@value #HISTORY}, for people) and a manifest with the SHA-256 of each ({@value
 * #MANIFEST}).
 *
 * <p>{@link #verify} checks all of it offline: the manifest's hashes; the chain, every block's
 * orderer signatures and every config change judged again from genesis; that the last block is the
 * statement that closed the ledger, signed by peers of enough members; that the snapshot gives the
 * statement's state hash; and that the statement's positions, transfers and balances are what that
 * state gives — the settlement arithmetic done again.
 */
public final class LedgerArchive {
  public static final String MANIFEST = "manifest.json";
  public static final String BLOCKS = "blocks.bin";
  public static final String SNAPSHOT = "state.snapshot";
  public static final String STATEMENT = "statement.pb";
  public static final String HISTORY = "history.json";
  private static final int FORMAT = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  private LedgerArchive() {}

  /**
   * What {@link #verify} found: the ledger, where it ended, and the first problem if any; once
   * verified, the statement it closed with and its config as closed (members, policies) — what a
   * successor starts from.
   */
  public record Report(
      String ledgerId,
      long blocks,
      long configChanges,
      Optional<String> problem,
      Optional<SignedSettlementStatement> statement,
      Optional<LedgerConfig> closedConfig) {
    public boolean verified() {
      return problem.isEmpty();
    }
  }

  /**
   * Writes the archive of a closed ledger from one of its peers that holds every block from
   * genesis, with {@code finalState}: the snapshot the peer exported at the statement's final
   * height (the state the statement describes; the statement's own block then writes the closed
   * config). The file appears complete or not at all.
   *
   * @throws IllegalStateException if the peer's ledger is not closed by a statement
   */
  public static void write(
      Path archive, PeerLedger ledger, Path finalState, SignatureVerifier verifier)
      throws IOException {
    if (ledger.rules().status() != LedgerStatus.CLOSED) {
      throw new IllegalStateException(
          "ledger "
              + ledger.rules().ledgerId()
              + " is "
              + ledger.rules().status()
              + ", not closed");
    }
    BlockStore blocks = ledger.blocks();
    Block last = blocks.last().orElseThrow();
    SignedSettlementStatement statement =
        statementOf(last)
            .orElseThrow(() -> new IllegalStateException("the last block holds no statement"));
    Path work = Files.createTempDirectory(archive.toAbsolutePath().getParent(), ".archive-");
    try {
      Files.copy(finalState, work.resolve(SNAPSHOT));
      Path blockFile = work.resolve(BLOCKS);
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(blockFile))) {
        for (long number = blocks.first(); number < blocks.height(); number++) {
          blocks.get(number).orElseThrow().writeDelimitedTo(out);
        }
      }
      Files.write(work.resolve(STATEMENT), statement.toByteArray());
      JSON.writerWithDefaultPrettyPrinter()
          .writeValue(work.resolve(HISTORY).toFile(), history(blocks, verifier));
      ObjectNode manifest =
          JSON.createObjectNode()
              .put("format", FORMAT)
              .put("ledger", ledger.rules().ledgerId())
              .put("blocks", blocks.height());
      ObjectNode hashes = manifest.putObject("sha256");
      for (String name : new String[] {BLOCKS, SNAPSHOT, STATEMENT, HISTORY}) {
        hashes.put(name, sha256(work.resolve(name)));
      }
      JSON.writerWithDefaultPrettyPrinter().writeValue(work.resolve(MANIFEST).toFile(), manifest);
      Path fresh = work.resolve("archive.zip");
      try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(fresh))) {
        for (String name : new String[] {MANIFEST, BLOCKS, SNAPSHOT, STATEMENT, HISTORY}) {
          zip.putNextEntry(new ZipEntry(name));
          Files.copy(work.resolve(name), zip);
          zip.closeEntry();
        }
      }
      Files.move(
          fresh, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      FileTrees.delete(work);
    }
  }

  /** Checks an archive offline; the report says the first problem found, if any. */
  public static Report verify(Path archive, SignatureVerifier verifier) throws IOException {
    Path work = Files.createTempDirectory("patchwork-verify-archive-");
    try (StateResources resources = StateResources.create(64L << 20)) {
      return verify(archive, work, resources, verifier);
    } finally {
      FileTrees.delete(work);
    }
  }

  private static Report verify(
      Path archive, Path work, StateResources resources, SignatureVerifier verifier)
      throws IOException {
    Map<String, byte[]> entries = new HashMap<>();
    try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(archive))) {
      ZipEntry entry;
      while ((entry = zip.getNextEntry()) != null) {
        if (entries.put(entry.getName(), zip.readAllBytes()) != null) {
          return problem("", 0, 0, "the archive holds " + entry.getName() + " twice");
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      return problem("", 0, 0, "the archive is not a readable zip file: " + e.getMessage());
    }
    JsonNode manifest;
    try {
      manifest = JSON.readTree(required(entries, MANIFEST));
    } catch (IOException | RuntimeException e) {
      return problem("", 0, 0, "the manifest is missing or unreadable");
    }
    String ledgerId = manifest.path("ledger").asText("");
    for (String name : new String[] {BLOCKS, SNAPSHOT, STATEMENT, HISTORY}) {
      byte[] bytes = entries.get(name);
      if (bytes == null) {
        return problem(ledgerId, 0, 0, "the archive has no " + name);
      }
      if (!sha256(bytes).equals(manifest.path("sha256").path(name).asText())) {
        return problem(ledgerId, 0, 0, name + " does not have the hash the manifest records");
      }
    }
    // Every block, from genesis, into a scratch store; then the history judged again.
    Block genesis;
    Path blockDirectory = work.resolve("blocks");
    long height;
    ConfigHistory.Report history;
    try (BlockStore store = BlockStore.open(blockDirectory)) {
      try (InputStream in = new ByteArrayInputStream(entries.get(BLOCKS))) {
        Block block;
        Block previous = null;
        while ((block = Block.parseDelimitedFrom(in)) != null) {
          // The store checks number and previous hash; the data hash is checked here.
          Optional<ChainCheck.Problem> chain =
              previous == null ? ChainCheck.first(block) : ChainCheck.follows(previous, block);
          if (chain.isPresent()) {
            return problem(
                ledgerId,
                store.height(),
                0,
                "block " + block.getHeader().getNumber() + " does not chain: " + chain.get());
          }
          store.append(block);
          previous = block;
        }
      } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
        return problem(ledgerId, 0, 0, "the blocks cannot be read back: " + e.getMessage());
      }
      height = store.height();
      if (height < 2) {
        return problem(ledgerId, height, 0, "the archive holds no history after genesis");
      }
      genesis = store.get(0).orElseThrow();
      history = ConfigHistory.replay(store, genesis, verifier);
      if (!history.verified()) {
        return problem(ledgerId, height, history.changes().size(), history.problem().orElseThrow());
      }
      Block last = store.last().orElseThrow();
      Optional<SignedSettlementStatement> carried = statementOf(last);
      if (carried.isEmpty()) {
        return problem(
            ledgerId,
            height,
            history.changes().size(),
            "the last block is not a settlement statement");
      }
      if (!carried.get().toByteString().equals(ByteString.copyFrom(entries.get(STATEMENT)))) {
        return problem(
            ledgerId,
            height,
            history.changes().size(),
            "statement.pb is not the statement the last block carries");
      }
      SettlementStatement statement = SettlementStatement.parseFrom(carried.get().getStatement());
      long changes = history.changes().size();
      if (statement.getFinalHeight() != last.getHeader().getNumber()) {
        return problem(
            ledgerId, height, changes, "the statement does not end the history at its own block");
      }
      Block before = store.get(last.getHeader().getNumber() - 1).orElseThrow();
      if (!statement
          .getFinalBlockHash()
          .equals(ByteString.copyFrom(BlockHashes.headerHash(before.getHeader())))) {
        return problem(ledgerId, height, changes, "the statement names another last block");
      }
      // The final state: the snapshot checks its own entries against its state hash.
      Path snapshot = work.resolve(SNAPSHOT);
      Files.write(snapshot, entries.get(SNAPSHOT));
      try (WorldState state =
          WorldState.importSnapshot(snapshot, work.resolve("state"), resources)) {
        if (state.height() != statement.getFinalHeight() - 1
            || !state.stateHash().equals(statement.getStateHash())) {
          return problem(
              ledgerId,
              height,
              changes,
              "the final state does not have the statement's state hash");
        }
        Optional<String> arithmetic =
            SettlementStatements.contentRefusal(
                carried.get(),
                SettlementStatements.compute(
                    statement.getLedgerId(),
                    statement.getFinalHeight(),
                    statement.getFinalBlockHash(),
                    state.stateHash(),
                    ClosingBook.read(state)));
        if (arithmetic.isPresent()) {
          return problem(ledgerId, height, changes, arithmetic.get());
        }
      } catch (IOException e) {
        return problem(
            ledgerId, height, changes, "the final state snapshot is not valid: " + e.getMessage());
      }
      Optional<String> sums = sumsToZero(statement);
      if (sums.isPresent()) {
        return problem(ledgerId, height, changes, sums.get());
      }
      return new Report(
          statement.getLedgerId(),
          height,
          changes,
          Optional.empty(),
          carried,
          Optional.of(ConfigUpdate.parseFrom(configPayload(last)).getConfig()));
    }
  }

  /** Positions sum to zero and the transfers, applied, leave every member at zero. */
  private static Optional<String> sumsToZero(SettlementStatement statement) {
    for (var asset : statement.getAssetsList()) {
      Map<String, BigInteger> left = new HashMap<>();
      BigInteger sum = BigInteger.ZERO;
      for (var position : asset.getPositionsList()) {
        BigInteger amount = new BigInteger(position.getAmount());
        sum = sum.add(amount);
        left.put(position.getMspId(), amount);
      }
      if (sum.signum() != 0) {
        return Optional.of(asset.getAsset() + " positions sum to " + sum + ", not zero");
      }
      for (var transfer : asset.getTransfersList()) {
        BigInteger amount = new BigInteger(transfer.getAmount());
        left.merge(transfer.getFromMspId(), amount, BigInteger::add);
        left.merge(transfer.getToMspId(), amount.negate(), BigInteger::add);
      }
      if (left.values().stream().anyMatch(value -> value.signum() != 0)) {
        return Optional.of(asset.getAsset() + " transfers do not settle every position");
      }
    }
    return Optional.empty();
  }

  /** The config history, for people: each config change with its block and what made it. */
  private static ObjectNode history(BlockStore blocks, SignatureVerifier verifier)
      throws IOException {
    ConfigHistory.Report report =
        ConfigHistory.replay(blocks, blocks.get(0).orElseThrow(), verifier);
    ObjectNode history = JSON.createObjectNode().put("blocks", report.blocksChecked());
    ArrayNode changes = history.putArray("changes");
    for (ConfigHistory.Change change : report.changes()) {
      ObjectNode entry =
          changes.addObject().put("block", change.blockNumber()).put("sequence", change.sequence());
      change.blockTime().ifPresent(time -> entry.put("time", time.toString()));
      change.signedBy().forEach(entry.putArray("signedBy")::add);
      change
          .decision()
          .ifPresent(
              decision -> {
                ObjectNode made =
                    entry
                        .putObject("decision")
                        .put("proposal", decision.proposalId())
                        .put("proposer", decision.proposerMspId())
                        .put("action", decision.action());
                ArrayNode ballots = made.putArray("ballots");
                decision
                    .ballots()
                    .forEach(
                        ballot ->
                            ballots
                                .addObject()
                                .put("mspId", ballot.voterMspId())
                                .put("choice", ballot.choice().name()));
              });
    }
    return history;
  }

  /** The signed statement a block's single config transaction carries, if it does. */
  static Optional<SignedSettlementStatement> statementOf(Block block) {
    if (block.getData().getDataCount() != 1
        || !LedgerConfigs.isConfig(block.getData().getData(0))) {
      return Optional.empty();
    }
    try {
      ConfigUpdate update = ConfigUpdate.parseFrom(configPayload(block));
      return update.hasStatement() ? Optional.of(update.getStatement()) : Optional.empty();
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  private static ByteString configPayload(Block block) throws InvalidProtocolBufferException {
    return EnvelopeHeaders.read(block.getData().getData(0)).configUpdate();
  }

  private static byte[] required(Map<String, byte[]> entries, String name) {
    byte[] bytes = entries.get(name);
    if (bytes == null) {
      throw new IllegalArgumentException("no " + name);
    }
    return bytes;
  }

  private static Report problem(String ledgerId, long blocks, long changes, String problem) {
    return new Report(
        ledgerId, blocks, changes, Optional.of(problem), Optional.empty(), Optional.empty());
  }

  private static String sha256(Path file) throws IOException {
    return sha256(Files.readAllBytes(file));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
