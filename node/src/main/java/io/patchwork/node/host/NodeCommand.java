package io.patchwork.node.host;

import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.ca.Subjects;
import io.patchwork.node.audit.ConfigHistory;
import io.patchwork.node.audit.LedgerArchive;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.contract.ChaincodePackage;
import io.patchwork.node.contract.Contract;
import io.patchwork.node.contract.ContractRegistry;
import io.patchwork.node.contract.ExternalChaincode;
import io.patchwork.node.contract.builtin.BuiltInContracts;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.peer.PeerLedger;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.peer.SnapshotCheck;
import io.patchwork.node.state.SnapshotInfo;
import io.patchwork.node.state.StateResources;
import io.patchwork.node.state.WorldState;
import io.patchwork.node.store.BlockStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.hyperledger.fabric.protos.common.Block;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code patchwork node}: runs one ledger node as its own process, for a member that runs its own
 * node rather than having it hosted; and exports a stopped peer's state snapshot.
 *
 * <pre>
 * patchwork node run --genesis trade.genesis --node-id peer7 --msp msp/ --tls tls/ --data-dir data/peer7
 * patchwork node snapshot --genesis trade.genesis --data-dir data/peer7 --out peer7.snapshot
 * patchwork node history --genesis trade.genesis --data-dir data/peer7
 * </pre>
 *
 * <p>The node's role, organisation and ports come from the genesis config; its identity from a
 * Fabric MSP folder ({@code signcerts/cert.pem}, {@code keystore/priv_sk}) and a TLS folder ({@code
 * cert.pem}, {@code key.pem}) as the authority's invites hand them out.
 */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    // --help and --version on every command, not only here.
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = NodeCommand.Version.class,
    description = "Run one Patchwork ledger node (orderer or peer) in this process.",
    subcommands = {
      NodeCommand.Run.class,
      NodeCommand.Snapshot.class,
      NodeCommand.History.class,
      NodeCommand.VerifyArchive.class
    })
public final class NodeCommand implements Runnable {
  @Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line; returns the process exit code. */
  public static int execute(String... args) {
    return execute(
        new PrintWriter(System.out, true, StandardCharsets.UTF_8),
        new PrintWriter(System.err, true, StandardCharsets.UTF_8),
        args);
  }

  /** The version the jar's manifest names (a build from the source tree names none). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = NodeCommand.class.getPackage().getImplementationVersion();
      return new String[] {"patchwork " + (version == null ? "(built from source)" : version)};
    }
  }

  /** Runs the command line writing to the given streams; returns the process exit code. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine line =
        new CommandLine(new NodeCommand()).setCommandName("patchwork node").setOut(out).setErr(err);
    line.setExecutionExceptionHandler(
        (failure, command, parsed) -> {
          command.getErr().println("patchwork node: " + describe(failure));
          return 1;
        });
    return line.execute(args);
  }

  /** What went wrong, in words an operator can act on; unexpected failures keep their trace. */
  static String describe(Exception failure) throws Exception {
    if (failure instanceof NoSuchFileException missing) {
      return "no such file: " + missing.getFile();
    }
    if (failure instanceof AccessDeniedException denied) {
      return "permission denied: " + denied.getFile();
    }
    if (failure instanceof ConfigException config) {
      return config.code() + ": " + config.getMessage();
    }
    if (failure instanceof SnapshotCheck.Refused refused) {
      return refused.code() + ": " + refused.getMessage();
    }
    if (failure instanceof IOException || failure instanceof GeneralSecurityException) {
      return failure.getMessage();
    }
    throw failure;
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "run", description = "Start the node and run until stopped (SIGTERM, Ctrl-C).")
  static final class Run implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--genesis", required = true, description = "The ledger's genesis block file.")
    Path genesis;

    @Option(names = "--node-id", required = true, description = "This node's id in the config.")
    String nodeId;

    @Option(
        names = "--msp",
        required = true,
        description = "MSP folder with signcerts/cert.pem and keystore/priv_sk.")
    Path msp;

    @Option(names = "--tls", required = true, description = "Folder with cert.pem and key.pem.")
    Path tls;

    @Option(names = "--data-dir", required = true, description = "Where the node keeps its data.")
    Path dataDirectory;

    @Option(
        names = "--bind",
        defaultValue = "0.0.0.0",
        description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(
        names = "--advertise",
        description =
            "For a member's own peer: the name or IP other machines reach it at; its TLS"
                + " certificate must name it (a listed node is checked against the genesis"
                + " config's address).")
    Optional<String> advertise;

    @Option(
        names = "--snapshot",
        description = "A peer with an empty data directory starts from this state snapshot.")
    Optional<Path> snapshot;

    @Option(
        names = "--added-orderer",
        description =
            "For an orderer the members voted in after genesis (AddOrderer): it learns its place"
                + " and the ordering group from the chain the orderers deliver.")
    boolean addedOrderer;

    @Option(
        names = "--chaincode",
        paramLabel = "NAME=PACKAGE",
        description =
            "Fabric chaincode this peer endorses with: the name a ledger pins and a chaincode-as-a"
                + "-service package (.tar.gz with metadata.json and connection.json) for the chaincode"
                + " server it reaches. Repeatable.")
    Map<String, Path> chaincodes = new LinkedHashMap<>();

    @Option(
        names = "--port",
        description =
            "For a member's own peer the genesis config does not list (an organisation voted in"
                + " later): the port it serves on. Start it with --snapshot.")
    Optional<Integer> port;

    /** The built-in contracts and the chaincode of the packages given. */
    private ContractRegistry contracts(PrintWriter out) throws IOException {
      List<Contract> external = new ArrayList<>();
      for (Map.Entry<String, Path> chaincode : chaincodes.entrySet()) {
        ChaincodePackage read = ChaincodePackage.read(chaincode.getValue());
        external.add(
            ExternalChaincode.connect(chaincode.getKey(), read, ExternalChaincode.DEFAULT_TIMEOUT));
        out.printf(
            "chaincode %s: package %s, server %s%n",
            chaincode.getKey(), read.packageId(), read.address());
      }
      return BuiltInContracts.registryWith(external.toArray(Contract[]::new));
    }

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      Block genesisBlock = readGenesis(genesis);
      String id = nodeId;
      NodeLauncher.Kind kind;
      NodeLauncher.NodeIdentity identity;
      if (addedOrderer) {
        // Its MSP id comes from its certificate; its entry from the config in force.
        kind = NodeLauncher.Kind.ORDERER;
        identity = memberPeerIdentity(id, genesisBlock, NodeFiles.read(msp, tls));
      } else if (port.isPresent()) {
        // A member's own peer: its MSP id comes from its certificate, not the genesis config.
        kind = NodeLauncher.Kind.PEER;
        NodeFiles.Credentials files = NodeFiles.read(msp, tls);
        identity = memberPeerIdentity(id, genesisBlock, files);
      } else {
        kind = NodeLauncher.kindOf(genesisBlock, id);
        identity = readIdentity(id, genesisBlock, msp, tls);
      }
      ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
      NodeLauncher.Shared shared =
          new NodeLauncher.Shared(
              NodeTransport.create(),
              new SignatureVerifier(200_000),
              StateResources.create(64L << 20),
              scheduler,
              contracts(out),
              Clock.systemUTC());
      CountDownLatch stopped = new CountDownLatch(1);
      AutoCloseable node;
      try {
        if (kind == NodeLauncher.Kind.PEER
            && snapshot.isPresent()
            && !PeerNode.hasLedger(dataDirectory)) {
          checkSnapshot(out, genesisBlock, identity, shared);
        }
        if (kind == NodeLauncher.Kind.ORDERER) {
          NodeLauncher.RunningOrderer orderer =
              addedOrderer
                  ? NodeLauncher.startAddedOrderer(
                      genesisBlock, identity, dataDirectory, bind, shared)
                  : NodeLauncher.startOrderer(genesisBlock, identity, dataDirectory, bind, shared);
          // Voted out of the ordering group: nothing is left for it to do, so the process ends.
          orderer
              .node()
              .onRemoved(
                  () -> {
                    out.printf(
                        "node %s was removed from the ledger's ordering group; stopping%n", id);
                    out.flush();
                    new Thread(() -> System.exit(0), "patchwork-node-removed").start();
                  });
          node = orderer;
        } else if (port.isPresent()) {
          node =
              NodeLauncher.startMemberPeer(
                  genesisBlock,
                  identity,
                  dataDirectory,
                  bind,
                  advertise,
                  port.get(),
                  snapshot,
                  shared);
        } else {
          PeerNode peer =
              NodeLauncher.startPeer(genesisBlock, identity, dataDirectory, bind, snapshot, shared);
          node = peer;
        }
      } catch (IOException | ConfigException | SnapshotCheck.Refused | RuntimeException e) {
        closeShared(shared);
        throw e;
      }
      out.printf(
          "node %s (%s of ledger %s) is running; data in %s%n",
          id, kind.name().toLowerCase(Locale.ROOT), ledgerId(genesisBlock), dataDirectory);
      out.flush();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      node.close();
                      out.printf("node %s stopped%n", id);
                      out.flush();
                    } catch (Exception e) {
                      System.err.println("node " + id + " did not stop cleanly: " + e.getMessage());
                    } finally {
                      closeShared(shared);
                      stopped.countDown();
                    }
                  },
                  "patchwork-node-shutdown"));
      stopped.await();
      return 0;
    }

    /**
     * Checks the snapshot against the chain the orderers sign and the members' peers vouch for
     * before anything is imported (the manager that handed it over is not trusted for it).
     */
    private void checkSnapshot(
        PrintWriter out,
        Block genesisBlock,
        NodeLauncher.NodeIdentity identity,
        NodeLauncher.Shared shared)
        throws IOException, SnapshotCheck.Refused {
      SnapshotCheck.Vouched vouched =
          SnapshotCheck.check(
              snapshot.orElseThrow(),
              genesisBlock,
              new SnapshotCheck.Context(
                  identity.signer(),
                  shared.transport(),
                  identity.tls(),
                  shared.verifier(),
                  shared.clock(),
                  SNAPSHOT_CHECK_TIMEOUT));
      out.printf(
          "snapshot at block %d checked: the chain to it carries the ledger's orderers'"
              + " signatures, and peers of %s vouch for its state (%d members needed)%n",
          vouched.blockNumber(), String.join(", ", vouched.members()), vouched.needed());
      out.flush();
    }
  }

  /** How long a new peer waits for the chain and the members' answers about its snapshot. */
  static final Duration SNAPSHOT_CHECK_TIMEOUT = Duration.ofSeconds(60);

  @Command(
      name = "snapshot",
      description = "Write a stopped peer's state snapshot for a new peer to start from.")
  static final class Snapshot implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--genesis", required = true, description = "The ledger's genesis block file.")
    Path genesis;

    @Option(names = "--data-dir", required = true, description = "The stopped peer's data.")
    Path dataDirectory;

    @Option(names = "--out", required = true, description = "The snapshot file to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
      Block genesisBlock = readGenesis(genesis);
      if (!Files.isDirectory(dataDirectory.resolve("state"))) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), dataDirectory + " holds no peer state");
      }
      try (StateResources resources = StateResources.create(64L << 20);
          BlockStore blocks = BlockStore.open(dataDirectory.resolve("blocks"));
          WorldState state = WorldState.open(dataDirectory.resolve("state"), resources);
          PeerLedger ledger =
              PeerLedger.open(blocks, state, genesisBlock, new SignatureVerifier(1_000))) {
        SnapshotInfo info = ledger.exportSnapshot(out);
        spec.commandLine()
            .getOut()
            .printf(
                "wrote %s: height %d, %d entries, state hash %s%n",
                out,
                info.height(),
                info.entries(),
                HexFormat.of().formatHex(info.stateHash().toByteArray()));
      }
      return 0;
    }
  }

  @Command(
      name = "history",
      description =
          "Re-verify a stopped peer's config history from its blocks: every config change, who"
              + " signed it or which member decision (proposal and ballots) made it. Exits 1 if"
              + " any block or decision does not check.")
  static final class History implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--genesis", required = true, description = "The ledger's genesis block file.")
    Path genesis;

    @Option(names = "--data-dir", required = true, description = "The stopped peer's data.")
    Path dataDirectory;

    @Override
    public Integer call() throws Exception {
      Block genesisBlock = readGenesis(genesis);
      Path blocksDirectory = dataDirectory.resolve("blocks");
      if (!Files.isDirectory(blocksDirectory)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), dataDirectory + " holds no blocks");
      }
      PrintWriter out = spec.commandLine().getOut();
      ConfigHistory.Report report;
      try (BlockStore blocks = BlockStore.open(blocksDirectory)) {
        report = ConfigHistory.replay(blocks, genesisBlock, new SignatureVerifier(10_000));
      }
      out.printf("ledger %s: genesis config, sequence 0%n", ledgerId(genesisBlock));
      for (ConfigHistory.Change change : report.changes()) {
        String when = change.blockTime().map(Object::toString).orElse("no recorded time");
        if (change.decision().isPresent()) {
          ConfigHistory.DecisionReport decision = change.decision().get();
          out.printf(
              "block %d (%s): config %d by member decision %s%n  proposed by %s at %s: %s%n",
              change.blockNumber(),
              when,
              change.sequence(),
              decision.proposalId(),
              decision.proposerMspId(),
              decision.proposedAt(),
              decision.action());
          for (ConfigHistory.BallotReport ballot : decision.ballots()) {
            out.printf(
                "  ballot %s %s at %s%n", ballot.voterMspId(), ballot.choice(), ballot.castAt());
          }
        } else {
          out.printf(
              "block %d (%s): config %d signed by admins of %s%n",
              change.blockNumber(), when, change.sequence(), String.join(", ", change.signedBy()));
        }
      }
      if (!report.verified()) {
        spec.commandLine()
            .getErr()
            .printf(
                "patchwork node: history does NOT verify: %s%n", report.problem().orElseThrow());
        return 1;
      }
      out.printf(
          "verified: %d blocks, %d config changes; every signature, ballot and decision checks%n",
          report.blocksChecked(), report.changes().size());
      return 0;
    }
  }

  @Command(
      name = "verify-archive",
      description =
          "Check a closed ledger's archive offline: every hash, block and orderer signature, every"
              + " config change and member decision, the settlement statement's signatures, the"
              + " final state and the settlement arithmetic. Exits 1 on any problem.")
  static final class VerifyArchive implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--archive", required = true, description = "The archive file.")
    Path archive;

    @Override
    public Integer call() throws Exception {
      if (!Files.isRegularFile(archive)) {
        throw new CommandLine.ParameterException(spec.commandLine(), archive + " is not a file");
      }
      LedgerArchive.Report report = LedgerArchive.verify(archive, new SignatureVerifier(100_000));
      if (!report.verified()) {
        spec.commandLine()
            .getErr()
            .printf(
                "patchwork node: archive does NOT verify: %s%n", report.problem().orElseThrow());
        return 1;
      }
      spec.commandLine()
          .getOut()
          .printf(
              "verified: ledger %s, %d blocks, %d config changes; every hash, signature, decision"
                  + " and the settlement arithmetic check%n",
              report.ledgerId(), report.blocks(), report.configChanges());
      return 0;
    }
  }

  static Block readGenesis(Path file) throws IOException, ConfigException {
    Block block;
    try {
      block = Block.parseFrom(Files.readAllBytes(file));
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(
          ConfigException.Code.MALFORMED, file + " is not a genesis block", e);
    }
    try {
      LedgerConfigs.fromGenesis(block);
    } catch (ConfigException e) {
      throw new ConfigException(e.code(), file + ": " + e.getMessage(), e);
    }
    return block;
  }

  private static String ledgerId(Block genesis) throws ConfigException {
    return LedgerConfigs.fromGenesis(genesis).ledgerId();
  }

  /** The node's signing identity from its MSP folder and TLS identity from its TLS folder. */
  static NodeLauncher.NodeIdentity readIdentity(
      String nodeId, Block genesis, Path msp, Path tlsFolder)
      throws IOException, GeneralSecurityException, ConfigException {
    LedgerRules rules = LedgerConfigs.fromGenesis(genesis);
    NodeFiles.Credentials files = NodeFiles.read(msp, tlsFolder);
    return files.identity(nodeId, mspIdOf(rules, nodeId), rules.tlsTrust());
  }

  /** A member peer's identity: the MSP id its signing certificate's subject names. */
  static NodeLauncher.NodeIdentity memberPeerIdentity(
      String nodeId, Block genesis, NodeFiles.Credentials files) throws ConfigException {
    LedgerRules rules = LedgerConfigs.fromGenesis(genesis);
    return files.identity(nodeId, mspIdOf(files.signingCertificate()), rules.tlsTrust());
  }

  /** The MSP id a Patchwork certificate carries: its subject's organizationIdentifier. */
  private static String mspIdOf(X509Certificate certificate) throws ConfigException {
    return Subjects.mspIdOf(certificate)
        .orElseThrow(
            () ->
                new ConfigException(
                    ConfigException.Code.UNKNOWN_NODE,
                    "the node's signing certificate names no MSP id (organizationIdentifier)"));
  }

  private static String mspIdOf(LedgerRules rules, String nodeId) throws ConfigException {
    return rules.orderers().stream()
        .filter(o -> o.getNodeId().equals(nodeId))
        .map(o -> o.getMspId())
        .findFirst()
        .or(
            () ->
                rules.config().getPeersList().stream()
                    .filter(p -> p.getNodeId().equals(nodeId))
                    .map(p -> p.getMspId())
                    .findFirst())
        .orElseThrow(
            () ->
                new ConfigException(
                    ConfigException.Code.UNKNOWN_NODE,
                    "node " + nodeId + " is not in ledger " + rules.ledgerId()));
  }

  private static void closeShared(NodeLauncher.Shared shared) {
    shared.scheduler().shutdownNow();
    shared.transport().close();
    shared.stateResources().close();
  }
}
