package io.patchwork.node.peer;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.MemberSignatures;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.contract.Caller;
import io.patchwork.node.contract.Contract;
import io.patchwork.node.contract.ContractRegistry;
import io.patchwork.node.contract.ExternalChaincode;
import io.patchwork.node.contract.Simulation;
import io.patchwork.node.contract.Simulator;
import io.patchwork.node.contract.TxContext;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.identity.IdentityCheck;
import io.patchwork.node.state.WorldState;
import io.patchwork.node.state.proto.StateAttestation;
import io.patchwork.node.tx.ProposalReader;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.peer.ChaincodeAction;
import org.hyperledger.fabric.protos.peer.ChaincodeID;
import org.hyperledger.fabric.protos.peer.ChaincodeInvocationSpec;
import org.hyperledger.fabric.protos.peer.ChaincodeProposalPayload;
import org.hyperledger.fabric.protos.peer.Endorsement;
import org.hyperledger.fabric.protos.peer.ProposalResponse;
import org.hyperledger.fabric.protos.peer.ProposalResponsePayload;
import org.hyperledger.fabric.protos.peer.Response;
import org.hyperledger.fabric.protos.peer.SignedProposal;

/**
 * A peer's endorser: checks a signed proposal, runs the contract function on committed state and,
 * for an endorsement, signs the result and its read/write set.
 *
 * <p>Thread-safe: simulations of different proposals run concurrently against committed state.
 */
final class Endorser implements AutoCloseable {
  /** How far a proposal's timestamp may be from this peer's clock. */
  static final Duration TIMESTAMP_WINDOW = Duration.ofMinutes(15);

  /** The read/write set of a query that reads no world state: Fabric's empty KV set. */
  private static final ByteString EMPTY_RW_SET =
      TxReadWriteSet.newBuilder().setDataModel(TxReadWriteSet.DataModel.KV).build().toByteString();

  private final String ledgerId;
  private final Supplier<LedgerRules> rules;
  private final WorldState state;
  private final ContractRegistry contracts;
  private final NodeSigner signer;
  private final SignatureVerifier verifier;
  private final Clock clock;
  private final LongFunction<Optional<StateAttestation>> attestations;
  private final SystemQueries queries;

  /** This peer's own stream to each external chaincode it has run, opened at the first use. */
  private final Map<ExternalChaincode, ExternalChaincode.Session> sessions =
      new ConcurrentHashMap<>();

  public Endorser(
      String ledgerId,
      Supplier<LedgerRules> rules,
      WorldState state,
      ContractRegistry contracts,
      NodeSigner signer,
      SignatureVerifier verifier,
      Clock clock,
      LongFunction<Optional<StateAttestation>> attestations,
      SystemQueries queries) {
    this.ledgerId = Objects.requireNonNull(ledgerId, "ledgerId");
    this.rules = Objects.requireNonNull(rules, "rules");
    this.state = Objects.requireNonNull(state, "state");
    this.contracts = Objects.requireNonNull(contracts, "contracts");
    this.signer = Objects.requireNonNull(signer, "signer");
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.attestations = Objects.requireNonNull(attestations, "attestations");
    this.queries = Objects.requireNonNull(queries, "queries");
  }

  /** Ends this peer's streams to external chaincode. */
  @Override
  public void close() {
    sessions.values().forEach(ExternalChaincode.Session::close);
    sessions.clear();
  }

  /** Why a proposal was not simulated or its simulation failed. */
  public enum Refusal {
    MALFORMED,
    WRONG_LEDGER,
    IDENTITY_REFUSED,
    NOT_A_MEMBER,
    BAD_SIGNATURE,
    TIMESTAMP_OUT_OF_RANGE,
    DUPLICATE_TRANSACTION,
    LEDGER_NOT_OPEN,
    CONTRACT_NOT_AVAILABLE,
    CONTRACT_FAILED
  }

  /**
   * The outcome: a Fabric proposal response (status 200 with payload and, when asked, an
   * endorsement; or status 4xx/500 with a message) and, on failure, the refusal.
   */
  public record Outcome(
      ProposalResponse response,
      Optional<Refusal> refusal,
      String transactionId,
      Optional<Simulation> simulation) {
    public boolean ok() {
      return refusal.isEmpty();
    }

    public String message() {
      return response.getResponse().getMessage();
    }
  }

  /** Simulates and signs the result (Fabric's ProcessProposal). */
  public Outcome endorse(SignedProposal signed) {
    return process(signed, true);
  }

  /** Simulates without signing, for a query (Fabric's Evaluate). */
  public Outcome evaluate(SignedProposal signed) {
    return process(signed, false);
  }

  private Outcome process(SignedProposal signed, boolean sign) {
    ProposalReader.Outcome read = ProposalReader.read(signed);
    if (read.proposal().isEmpty()) {
      return refused(
          "", Refusal.MALFORMED, 400, "proposal is malformed: " + read.problem().orElseThrow());
    }
    ProposalReader.ReadProposal proposal = read.proposal().get();
    String txId = proposal.transactionId();
    ChaincodeProposalPayload payload;
    ChaincodeInvocationSpec invocation;
    try {
      payload = ChaincodeProposalPayload.parseFrom(proposal.proposal().getPayload());
      invocation = ChaincodeInvocationSpec.parseFrom(payload.getInput());
    } catch (InvalidProtocolBufferException e) {
      return refused(txId, Refusal.MALFORMED, 400, "chaincode invocation cannot be decoded");
    }
    String contractName = invocation.getChaincodeSpec().getChaincodeId().getName();
    // Fabric's tools send system queries with no channel in the header and name it in the
    // arguments.
    boolean systemQuery = SystemQueries.answers(contractName);
    if (!ledgerId.equals(proposal.channelId())
        && !(systemQuery && proposal.channelId().isEmpty())) {
      return refused(
          txId,
          Refusal.WRONG_LEDGER,
          400,
          "proposal is for ledger '" + proposal.channelId() + "', this peer serves " + ledgerId);
    }
    LedgerRules current = rules.get();
    Instant now = clock.instant();
    MemberSignatures.Outcome creator =
        MemberSignatures.signed(
            current,
            proposal.creator(),
            proposal.signedBytes(),
            proposal.signature(),
            now,
            verifier);
    if (!creator.passed()) {
      return switch (creator.failure().get()) {
        case IDENTITY_REFUSED ->
            refused(
                txId,
                Refusal.IDENTITY_REFUSED,
                403,
                "creator identity refused: " + creator.identityRefusal());
        case NOT_A_MEMBER ->
            refused(
                txId,
                Refusal.NOT_A_MEMBER,
                403,
                "MSP "
                    + creator.signer().orElseThrow().mspId()
                    + " is not a member of ledger "
                    + ledgerId);
        case WRONG_ROLE, BAD_SIGNATURE ->
            refused(txId, Refusal.BAD_SIGNATURE, 403, "proposal signature does not verify");
      };
    }
    IdentityCheck.Identity identity = creator.signer().orElseThrow();
    Instant timestamp = Transactions.instant(proposal.channelHeader().getTimestamp());
    if (Duration.between(timestamp, now).abs().compareTo(TIMESTAMP_WINDOW) > 0) {
      return refused(
          txId,
          Refusal.TIMESTAMP_OUT_OF_RANGE,
          400,
          "proposal timestamp " + timestamp + " is more than 15 minutes from this peer's clock");
    }
    if (systemQuery) {
      Response response =
          queries.answer(contractName, invocation.getChaincodeSpec().getInput().getArgsList());
      if (response.getStatus() != 200) {
        return refused(txId, Refusal.CONTRACT_FAILED, response.getStatus(), response.getMessage());
      }
      return new Outcome(
          respond(proposal, payload, contractName, response, EMPTY_RW_SET, ByteString.EMPTY, sign),
          Optional.empty(),
          txId,
          Optional.empty());
    }
    if (sign && state.transaction(txId).isPresent()) {
      return refused(
          txId,
          Refusal.DUPLICATE_TRANSACTION,
          409,
          "transaction " + txId + " is already committed");
    }
    if (sign && current.status() != LedgerStatus.OPEN) {
      return refused(
          txId,
          Refusal.LEDGER_NOT_OPEN,
          409,
          "ledger " + ledgerId + " is " + current.status() + " and takes no transactions");
    }
    if (contractName.equals(StateAttestations.CONTRACT)) {
      return attest(txId, invocation.getChaincodeSpec().getInput().getArgsList(), sign);
    }
    Optional<Contract> contract = runnable(current, contractName);
    if (contract.isEmpty()) {
      return refused(
          txId,
          Refusal.CONTRACT_NOT_AVAILABLE,
          404,
          "contract '" + contractName + "' is not installed on ledger " + ledgerId);
    }
    List<ByteString> rawArgs = invocation.getChaincodeSpec().getInput().getArgsList();
    if (rawArgs.isEmpty()) {
      return refused(txId, Refusal.MALFORMED, 400, "the invocation names no function");
    }
    List<String> args = new ArrayList<>(rawArgs.size() - 1);
    for (ByteString arg : rawArgs.subList(1, rawArgs.size())) {
      args.add(arg.toStringUtf8());
    }
    TxContext transaction =
        new TxContext(
            ledgerId,
            txId,
            timestamp,
            new Caller(identity.mspId(), identity.certificate(), identity.role()));
    Simulation simulation =
        contract.get() instanceof ExternalChaincode external
            ? sessions
                .computeIfAbsent(external, ExternalChaincode::session)
                .simulate(signed, rawArgs, transaction, state)
            : Simulator.simulate(
                contract.get(), rawArgs.get(0).toStringUtf8(), args, transaction, state);
    Response response =
        Response.newBuilder()
            .setStatus(simulation.status())
            .setMessage(simulation.message())
            .setPayload(simulation.payload())
            .build();
    if (simulation.status() != 200) {
      return new Outcome(
          ProposalResponse.newBuilder().setVersion(1).setResponse(response).build(),
          Optional.of(Refusal.CONTRACT_FAILED),
          txId,
          Optional.of(simulation));
    }
    return new Outcome(
        respond(
            proposal,
            payload,
            contractName,
            response,
            simulation.rwSet().toByteString(),
            simulation.event().map(e -> e.toByteString()).orElse(ByteString.EMPTY),
            sign),
        Optional.empty(),
        txId,
        Optional.of(simulation));
  }

  /** A successful proposal's response: the chaincode action and, for an endorsement, signed. */
  private ProposalResponse respond(
      ProposalReader.ReadProposal proposal,
      ChaincodeProposalPayload payload,
      String contractName,
      Response response,
      ByteString results,
      ByteString events,
      boolean sign) {
    ChaincodeAction action =
        ChaincodeAction.newBuilder()
            .setResults(results)
            .setEvents(events)
            .setResponse(response)
            .setChaincodeId(ChaincodeID.newBuilder().setName(contractName))
            .build();
    ProposalResponsePayload responsePayload =
        ProposalResponsePayload.newBuilder()
            .setProposalHash(
                Transactions.proposalHash(
                    proposal.header(), Transactions.withoutTransient(payload)))
            .setExtension(action.toByteString())
            .build();
    ProposalResponse.Builder result =
        ProposalResponse.newBuilder()
            .setVersion(1)
            .setResponse(response)
            .setPayload(responsePayload.toByteString());
    if (sign) {
      ByteString payloadBytes = result.getPayload();
      result.setEndorsement(
          Endorsement.newBuilder()
              .setEndorser(signer.serializedIdentity())
              .setSignature(
                  ByteString.copyFrom(signer.sign(payloadBytes, signer.serializedIdentity()))));
    }
    return result.build();
  }

  /**
   * The system query a peer starting from a snapshot sends: the state hash after a block, signed as
   * an endorsement. It writes nothing and no transaction can carry it (no contract of that name is
   * ever pinned, so a validator refuses it).
   */
  private Outcome attest(String txId, List<ByteString> args, boolean sign) {
    long blockNumber;
    try {
      if (args.size() != 2 || !args.get(0).toStringUtf8().equals(StateAttestations.FUNCTION)) {
        throw new NumberFormatException();
      }
      blockNumber = Long.parseUnsignedLong(args.get(1).toStringUtf8());
    } catch (NumberFormatException e) {
      return refused(
          txId,
          Refusal.MALFORMED,
          400,
          StateAttestations.CONTRACT
              + " answers only "
              + StateAttestations.FUNCTION
              + " with one block number");
    }
    Optional<StateAttestation> attestation = attestations.apply(blockNumber);
    if (attestation.isEmpty()) {
      return refused(
          txId,
          Refusal.CONTRACT_FAILED,
          404,
          "this peer holds no state hash for block "
              + blockNumber
              + " (it started after it or has not reached it)");
    }
    ByteString payload = attestation.get().toByteString();
    ProposalResponse.Builder result =
        ProposalResponse.newBuilder()
            .setVersion(1)
            .setResponse(Response.newBuilder().setStatus(200).setPayload(payload))
            .setPayload(payload);
    if (sign) {
      result.setEndorsement(
          Endorsement.newBuilder()
              .setEndorser(signer.serializedIdentity())
              .setSignature(
                  ByteString.copyFrom(signer.sign(payload, signer.serializedIdentity()))));
    }
    return new Outcome(result.build(), Optional.empty(), txId, Optional.empty());
  }

  private Optional<Contract> runnable(LedgerRules current, String name) {
    Optional<ByteString> pinned = current.pinnedContract(name);
    if (pinned.isEmpty()) {
      return Optional.empty();
    }
    return contracts.contract(name).filter(c -> contracts.codeHash(name).equals(pinned.get()));
  }

  private static Outcome refused(String txId, Refusal refusal, int status, String message) {
    return new Outcome(
        ProposalResponse.newBuilder()
            .setVersion(1)
            .setResponse(Response.newBuilder().setStatus(status).setMessage(message))
            .build(),
        Optional.of(refusal),
        txId,
        Optional.empty());
  }
}
