package io.patchwork.node.peer;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.grpc.StatusRuntimeException;
import io.patchwork.ca.Role;
import io.patchwork.node.block.BlockHashes;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.MemberSignatures;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.state.SnapshotInfo;
import io.patchwork.node.state.WorldState;
import io.patchwork.node.state.proto.StateAttestation;
import io.patchwork.node.tx.TransactionIds;
import io.patchwork.node.update.ConfigChain;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.peer.ChaincodeHeaderExtension;
import org.hyperledger.fabric.protos.peer.ChaincodeID;
import org.hyperledger.fabric.protos.peer.ChaincodeInput;
import org.hyperledger.fabric.protos.peer.ChaincodeInvocationSpec;
import org.hyperledger.fabric.protos.peer.ChaincodeProposalPayload;
import org.hyperledger.fabric.protos.peer.ChaincodeSpec;
import org.hyperledger.fabric.protos.peer.EndorserGrpc;
import org.hyperledger.fabric.protos.peer.Proposal;
import org.hyperledger.fabric.protos.peer.ProposalResponse;
import org.hyperledger.fabric.protos.peer.SignedProposal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a state snapshot a new peer was handed is its ledger's state, judged by what the ledger's
 * orderers and members' peers sign rather than by whoever handed it over:
 *
 * <ol>
 *   <li>the chain from the genesis block to the snapshot's block, fetched from the orderers, links
 *       up and every block carries a signature of an orderer of the config in force at it, with
 *       each config update followed as peers follow it ({@link ConfigChain});
 *   <li>the snapshot's block is that chain's block, and the ledger config the snapshot holds is the
 *       config the chain leads to;
 *   <li>peers of a majority of the ledger's members, asked through Fabric's Endorser service, sign
 *       that the state after that block has the snapshot's state hash, and none says otherwise.
 * </ol>
 *
 * Importing the snapshot then recomputes the hash from its entries. Where one operator runs the
 * peers of most members, step 3 is that operator's word; the steps before it are not.
 */
public final class SnapshotCheck {
  private static final Logger log = LoggerFactory.getLogger(SnapshotCheck.class);
  private static final long RETRY_MILLIS = 200;

  /** Why a snapshot is refused. */
  public enum Code {
    /** The chain up to the snapshot's block could not be had from any orderer. */
    CHAIN_UNAVAILABLE,
    /** An orderer delivered a block that does not follow the chain from the genesis block. */
    CHAIN_INVALID,
    /** The snapshot's block is not the chain's block at its height. */
    SNAPSHOT_NOT_ON_CHAIN,
    /** The ledger config in the snapshot is not the config the chain leads to. */
    SNAPSHOT_CONFIG_MISMATCH,
    /** A member's peer signed another state hash for the snapshot's block. */
    STATE_DISPUTED,
    /** Too few members' peers vouched for the snapshot's state hash. */
    STATE_NOT_VOUCHED
  }

  /** A refused snapshot: a stable code and what was found. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final Code code;

    Refused(Code code, String message) {
      super(message);
      this.code = code;
    }

    public Code code() {
      return code;
    }
  }

  /** A vouched-for snapshot: its block, and the members whose peers signed its state hash. */
  public record Vouched(long blockNumber, ByteString stateHash, List<String> members, int needed) {
    public Vouched {
      members = List.copyOf(members);
    }
  }

  /** What the check talks with: the new peer's identities, its transport, a verifier, a clock. */
  public record Context(
      NodeSigner signer,
      NodeTransport transport,
      NodeTransport.TlsIdentity tls,
      SignatureVerifier verifier,
      Clock clock,
      Duration timeout) {
    public Context {
      Objects.requireNonNull(signer, "signer");
      Objects.requireNonNull(transport, "transport");
      Objects.requireNonNull(tls, "tls");
      Objects.requireNonNull(verifier, "verifier");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  private final Context context;
  private final SecureRandom random = new SecureRandom();

  private SnapshotCheck(Context context) {
    this.context = context;
  }

  /**
   * Checks {@code snapshot} of the ledger that starts with {@code genesis}.
   *
   * @throws Refused naming what does not hold
   * @throws IOException if the file is not an intact snapshot
   */
  public static Vouched check(Path snapshot, Block genesis, Context context)
      throws Refused, IOException {
    return new SnapshotCheck(context).run(snapshot, genesis);
  }

  private Vouched run(Path snapshot, Block genesis) throws Refused, IOException {
    WorldState.SnapshotValue read =
        WorldState.readSnapshotValue(snapshot, PeerLedger.SYSTEM_NAMESPACE, PeerLedger.CONFIG_KEY);
    SnapshotInfo info = read.info();
    Block anchor;
    try {
      anchor = Block.parseFrom(info.peerMetadata());
    } catch (InvalidProtocolBufferException e) {
      throw new IOException(snapshot + ": the snapshot's block cannot be decoded", e);
    }
    long number = info.height();
    ConfigChain chain;
    try {
      chain = ConfigChain.fromGenesis(genesis, context.verifier());
    } catch (ConfigException e) {
      throw new Refused(Code.CHAIN_INVALID, "the genesis block holds no valid config: " + e);
    }
    try (Channels channels = new Channels(context.transport(), context.tls())) {
      if (number > 0) {
        try {
          OrderedChain.follow(
              chain, number, channels, context.signer(), context.clock(), context.timeout());
        } catch (OrderedChain.Failure e) {
          throw new Refused(
              e.invalid() ? Code.CHAIN_INVALID : Code.CHAIN_UNAVAILABLE, e.getMessage());
        }
      }
      ByteString chainHash = headerHash(chain.last());
      if (!chainHash.equals(headerHash(anchor))) {
        throw new Refused(
            Code.SNAPSHOT_NOT_ON_CHAIN,
            "the snapshot's block "
                + number
                + " is not the ledger's block "
                + number
                + " as its orderers signed it (hash "
                + hex(headerHash(anchor))
                + ", the chain's is "
                + hex(chainHash)
                + ")");
      }
      LedgerConfig held = snapshotConfig(snapshot, read.value());
      if (!held.equals(chain.rules().config())) {
        throw new Refused(
            Code.SNAPSHOT_CONFIG_MISMATCH,
            "the ledger config in the snapshot (sequence "
                + held.getSequence()
                + ") is not the one the chain leads to at block "
                + number
                + " (sequence "
                + chain.rules().sequence()
                + ")");
      }
      Vouched vouched = vouch(chain.rules(), number, chainHash, info.stateHash(), channels);
      log.info(
          "peer.snapshot_vouched ledger={} block={} members={} needed={}",
          chain.rules().ledgerId(),
          number,
          vouched.members(),
          vouched.needed());
      return vouched;
    }
  }

  private static LedgerConfig snapshotConfig(Path snapshot, Optional<ByteString> value)
      throws IOException {
    ByteString bytes =
        value.orElseThrow(
            () -> new IOException(snapshot + ": the snapshot holds no ledger config"));
    try {
      return LedgerConfig.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IOException(snapshot + ": the snapshot's ledger config cannot be decoded", e);
    }
  }

  /** Asks each member's peers to sign the state hash after block {@code number}. */
  private Vouched vouch(
      LedgerRules rules, long number, ByteString blockHash, ByteString stateHash, Channels channels)
      throws Refused {
    Instant deadline = context.clock().instant().plus(context.timeout());
    Map<String, String> unanswered = new TreeMap<>();
    List<String> disputes = new ArrayList<>();
    TreeSet<String> vouching = new TreeSet<>();
    for (String mspId : new TreeSet<>(rules.memberMspIds())) {
      List<Peer> peers =
          rules.config().getPeersList().stream().filter(p -> p.getMspId().equals(mspId)).toList();
      if (peers.isEmpty()) {
        unanswered.put(mspId, "the config lists no peer of it");
        continue;
      }
      String problem = "";
      for (int attempt = 0; ; attempt++) {
        Peer peer = peers.get(attempt % peers.size());
        Answer answer = ask(rules, peer, number, channels);
        if (answer.attestation().isPresent()) {
          StateAttestation attested = answer.attestation().get();
          if (attested.getBlockHash().equals(blockHash)
              && attested.getStateHash().equals(stateHash)) {
            vouching.add(mspId);
          } else {
            disputes.add(
                "peer "
                    + peer.getNodeId()
                    + " of "
                    + mspId
                    + " signed block hash "
                    + hex(attested.getBlockHash())
                    + " and state hash "
                    + hex(attested.getStateHash())
                    + " for block "
                    + number);
          }
          break;
        }
        problem = peer.getNodeId() + ": " + answer.problem();
        if (!answer.retry() || context.clock().instant().isAfter(deadline)) {
          unanswered.put(mspId, problem);
          break;
        }
        sleep();
      }
    }
    int needed = rules.memberMspIds().size() / 2 + 1;
    if (!disputes.isEmpty()) {
      throw new Refused(
          Code.STATE_DISPUTED,
          "the snapshot's state hash for block "
              + number
              + " is "
              + hex(stateHash)
              + ", but "
              + String.join("; ", disputes));
    }
    if (vouching.size() < needed) {
      throw new Refused(
          Code.STATE_NOT_VOUCHED,
          "peers of "
              + vouching.size()
              + " of the ledger's "
              + rules.memberMspIds().size()
              + " members vouched for the snapshot's state at block "
              + number
              + "; "
              + needed
              + " are needed. No answer from "
              + unanswered);
    }
    return new Vouched(number, stateHash, List.copyOf(vouching), needed);
  }

  /** One peer's signed answer, or why there is none and whether asking again may help. */
  private record Answer(Optional<StateAttestation> attestation, String problem, boolean retry) {
    static Answer failed(String problem, boolean retry) {
      return new Answer(Optional.empty(), problem, retry);
    }
  }

  private Answer ask(LedgerRules rules, Peer peer, long number, Channels channels) {
    ProposalResponse response;
    try {
      response =
          EndorserGrpc.newBlockingStub(channels.open(peer.getHost(), peer.getPort()))
              .withDeadlineAfter(context.timeout().toMillis(), TimeUnit.MILLISECONDS)
              .processProposal(proposal(rules.ledgerId(), number));
    } catch (StatusRuntimeException e) {
      return Answer.failed("unreachable: " + e.getStatus(), true);
    }
    if (response.getResponse().getStatus() != 200) {
      return Answer.failed(
          response.getResponse().getMessage(), response.getResponse().getStatus() == 404);
    }
    ByteString endorser = response.getEndorsement().getEndorser();
    MemberSignatures.Outcome signed =
        MemberSignatures.signed(
            rules,
            Role.PEER,
            endorser,
            response.getPayload().concat(endorser),
            response.getEndorsement().getSignature(),
            context.clock().instant(),
            context.verifier());
    if (!signed.passed() || !signed.signer().orElseThrow().mspId().equals(peer.getMspId())) {
      return Answer.failed("its answer is not signed by a peer of " + peer.getMspId(), false);
    }
    try {
      StateAttestation attestation = StateAttestation.parseFrom(response.getPayload());
      if (!attestation.getLedgerId().equals(rules.ledgerId())
          || attestation.getBlockNumber() != number) {
        return Answer.failed("it answered for another ledger or block", false);
      }
      return new Answer(Optional.of(attestation), "", false);
    } catch (InvalidProtocolBufferException e) {
      return Answer.failed("its answer cannot be decoded", false);
    }
  }

  private SignedProposal proposal(String ledgerId, long number) {
    byte[] nonce = new byte[24];
    random.nextBytes(nonce);
    ByteString creator = context.signer().serializedIdentity();
    Instant now = context.clock().instant();
    ChaincodeID contract = ChaincodeID.newBuilder().setName(StateAttestations.CONTRACT).build();
    ChannelHeader channel =
        ChannelHeader.newBuilder()
            .setType(HeaderType.ENDORSER_TRANSACTION_VALUE)
            .setChannelId(ledgerId)
            .setTxId(TransactionIds.compute(ByteString.copyFrom(nonce), creator))
            .setTimestamp(
                Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
            .setExtension(
                ChaincodeHeaderExtension.newBuilder()
                    .setChaincodeId(contract)
                    .build()
                    .toByteString())
            .build();
    Header header =
        Header.newBuilder()
            .setChannelHeader(channel.toByteString())
            .setSignatureHeader(
                SignatureHeader.newBuilder()
                    .setCreator(creator)
                    .setNonce(ByteString.copyFrom(nonce))
                    .build()
                    .toByteString())
            .build();
    ChaincodeInvocationSpec invocation =
        ChaincodeInvocationSpec.newBuilder()
            .setChaincodeSpec(
                ChaincodeSpec.newBuilder()
                    .setChaincodeId(contract)
                    .setInput(
                        ChaincodeInput.newBuilder()
                            .addArgs(ByteString.copyFromUtf8(StateAttestations.FUNCTION))
                            .addArgs(ByteString.copyFromUtf8(Long.toString(number)))))
            .build();
    Proposal proposal =
        Proposal.newBuilder()
            .setHeader(header.toByteString())
            .setPayload(
                ChaincodeProposalPayload.newBuilder()
                    .setInput(invocation.toByteString())
                    .build()
                    .toByteString())
            .build();
    ByteString bytes = proposal.toByteString();
    return SignedProposal.newBuilder()
        .setProposalBytes(bytes)
        .setSignature(ByteString.copyFrom(context.signer().sign(bytes.toByteArray())))
        .build();
  }

  private static ByteString headerHash(Block block) {
    return ByteString.copyFrom(BlockHashes.headerHash(block.getHeader()));
  }

  private static String hex(ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }

  private static void sleep() {
    try {
      Thread.sleep(RETRY_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
