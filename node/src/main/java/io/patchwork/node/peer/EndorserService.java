package io.patchwork.node.peer;

import io.grpc.stub.StreamObserver;
import org.hyperledger.fabric.protos.peer.EndorserGrpc;
import org.hyperledger.fabric.protos.peer.ProposalResponse;
import org.hyperledger.fabric.protos.peer.SignedProposal;

/**
 * Fabric's Endorser service: other organisations' gateways ask this peer for its endorsement.
 * Failures are answered, as Fabric does, with a proposal response whose status and message say what
 * went wrong.
 */
final class EndorserService extends EndorserGrpc.EndorserImplBase {
  private final Endorser endorser;

  EndorserService(Endorser endorser) {
    this.endorser = endorser;
  }

  @Override
  public void processProposal(SignedProposal proposal, StreamObserver<ProposalResponse> responses) {
    responses.onNext(endorser.endorse(proposal).response());
    responses.onCompleted();
  }
}
