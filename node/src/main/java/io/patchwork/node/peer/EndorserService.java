package io.patchwork.node.peer;

import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.protos.peer.EndorserGrpc;
import org.hyperledger.fabric.protos.peer.ProposalResponse;
import org.hyperledger.fabric.protos.peer.Response;
import org.hyperledger.fabric.protos.peer.SignedProposal;

/**
 * Fabric's Endorser service: other organisations' gateways ask this peer for its endorsement.
 * Failures are answered, as Fabric does, with a proposal response whose status and message say what
 * went wrong. A gateway that says at which height it simulated ({@link ReadHeight}) is answered
 * once this peer has committed as much — or, if it does not within the wait, with status {@value
 * #BEHIND} and how far behind it is.
 */
final class EndorserService extends EndorserGrpc.EndorserImplBase {
  /** The status of an answer from a peer that did not reach the height asked in time. */
  static final int BEHIND = 503;

  private final Endorser endorser;
  private final PeerLedger ledger;
  private final HeightWaits heights;
  private final Duration wait;
  private final Executor executor;
  private final String name;

  EndorserService(
      Endorser endorser,
      PeerLedger ledger,
      HeightWaits heights,
      Duration wait,
      Executor executor,
      String name) {
    this.endorser = endorser;
    this.ledger = ledger;
    this.heights = heights;
    this.wait = wait;
    this.executor = executor;
    this.name = name;
  }

  @Override
  public void processProposal(SignedProposal proposal, StreamObserver<ProposalResponse> responses) {
    Optional<Long> asked = ReadHeight.asked();
    if (asked.isEmpty() || wait.isZero() || ledger.height() >= asked.get()) {
      answer(responses, endorser.endorse(proposal).response());
      return;
    }
    long height = asked.get();
    heights
        .await(height)
        .orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS)
        .whenCompleteAsync(
            (reached, late) ->
                answer(
                    responses,
                    late == null ? endorser.endorse(proposal).response() : behind(height)),
            executor);
  }

  private ProposalResponse behind(long asked) {
    long height = ledger.height();
    return ProposalResponse.newBuilder()
        .setVersion(1)
        .setResponse(
            Response.newBuilder()
                .setStatus(BEHIND)
                .setMessage(
                    "peer "
                        + name
                        + " is "
                        + (asked - height)
                        + " block(s) behind: it has committed blocks below "
                        + height
                        + ", the gateway simulated with blocks below "
                        + asked
                        + ", and it did not catch up within "
                        + wait.toMillis()
                        + " ms"))
        .build();
  }

  private static void answer(
      StreamObserver<ProposalResponse> responses, ProposalResponse response) {
    responses.onNext(response);
    responses.onCompleted();
  }
}
