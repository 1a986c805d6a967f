package io.patchwork.node.tx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.SignatureHeader;
import org.hyperledger.fabric.protos.peer.Proposal;
import org.hyperledger.fabric.protos.peer.SignedProposal;

/**
 * Reads a signed proposal the way a peer's gateway must before endorsing it: decodes the nested
 * headers and checks that the transaction id is the one Fabric derives from nonce and creator. The
 * signature itself is checked by the caller against the creator's identity.
 */
public final class ProposalReader {
  private ProposalReader() {}

  /** What a well-formed proposal says. */
  public record ReadProposal(
      String channelId,
      String transactionId,
      ByteString creator,
      ByteString signedBytes,
      ByteString signature,
      Proposal proposal,
      Header header,
      ChannelHeader channelHeader) {}

  /** Why a proposal was refused before any signature check. */
  public enum Problem {
    /** The bytes are not a signed endorser proposal. */
    MALFORMED,
    /** The header is not an endorser transaction. */
    WRONG_TYPE,
    /** The transaction id is not SHA-256(nonce ‖ creator). */
    WRONG_TRANSACTION_ID,
    /** The nonce or the creator is missing. */
    MISSING_NONCE_OR_CREATOR
  }

  /** The outcome: a read proposal or a problem. */
  public record Outcome(Optional<ReadProposal> proposal, Optional<Problem> problem) {
    static Outcome problem(Problem problem) {
      return new Outcome(Optional.empty(), Optional.of(problem));
    }
  }

  public static Outcome read(SignedProposal signed) {
    try {
      Proposal proposal = Proposal.parseFrom(signed.getProposalBytes());
      Header header = Header.parseFrom(proposal.getHeader());
      ChannelHeader channel = ChannelHeader.parseFrom(header.getChannelHeader());
      SignatureHeader signature = SignatureHeader.parseFrom(header.getSignatureHeader());
      if (channel.getType() != HeaderType.ENDORSER_TRANSACTION_VALUE) {
        return Outcome.problem(Problem.WRONG_TYPE);
      }
      if (signature.getNonce().isEmpty() || signature.getCreator().isEmpty()) {
        return Outcome.problem(Problem.MISSING_NONCE_OR_CREATOR);
      }
      if (!TransactionIds.compute(signature.getNonce(), signature.getCreator())
          .equals(channel.getTxId())) {
        return Outcome.problem(Problem.WRONG_TRANSACTION_ID);
      }
      return new Outcome(
          Optional.of(
              new ReadProposal(
                  channel.getChannelId(),
                  channel.getTxId(),
                  signature.getCreator(),
                  signed.getProposalBytes(),
                  signed.getSignature(),
                  proposal,
                  header,
                  channel)),
          Optional.empty());
    } catch (InvalidProtocolBufferException e) {
      return Outcome.problem(Problem.MALFORMED);
    }
  }
}
