package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.patchwork.node.state.StateReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hyperledger.fabric.protos.peer.SignedProposal;

/**
 * Fabric chaincode that runs outside the node, as a chaincode server (Fabric's "chaincode as a
 * service"): the peer connects to it and speaks Fabric's chaincode protocol ({@code
 * protos.Chaincode/Connect}, the {@code ChaincodeMessage} stream), so chaincode written with the
 * official Fabric chaincode shim runs unchanged. The chaincode reads and writes the world state
 * through the peer (GetState, PutState, DelState, GetStateByRange and composite keys), sees the
 * signed proposal (its caller's identity, the transaction id and time) and may set an event; what
 * it read and wrote becomes the transaction's read/write set exactly as for a built-in contract.
 *
 * <p>A ledger runs it only if its config pins the name with the chaincode package's SHA-256 ({@link
 * #packageHash}), as built-in contracts are pinned by their code hash. Only endorsing peers need
 * the chaincode; validation checks the pin alone. Private data, rich queries, key history, state
 * metadata and chaincode-to-chaincode calls are answered with an error, as a peer without them
 * would.
 *
 * <p>Thread-safe. Each peer runs the chaincode through its own {@link #session}, one stream that
 * carries all of that peer's transactions at once, told apart by channel and transaction id.
 */
public final class ExternalChaincode implements Contract, AutoCloseable {
  /** How long a transaction may run before the peer gives up, as Fabric's execute timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final String name;
  private final ByteString packageHash;
  private final Channel channel;
  private final Duration timeout;
  private final Optional<ManagedChannel> owned;

  private ExternalChaincode(
      String name,
      ByteString packageHash,
      Channel channel,
      Duration timeout,
      Optional<ManagedChannel> owned) {
    this.name = name;
    this.packageHash = packageHash;
    this.channel = channel;
    this.timeout = timeout;
    this.owned = owned;
  }

  /**
   * Chaincode {@code name} from the package whose SHA-256 is {@code packageHash}, served at the
   * other end of {@code channel}. Nothing connects until the first transaction.
   */
  public static ExternalChaincode of(
      String name, ByteString packageHash, Channel channel, Duration timeout) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(packageHash, "packageHash");
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(timeout, "timeout");
    if (packageHash.size() != 32) {
      throw new IllegalArgumentException("a package hash is a SHA-256: 32 bytes");
    }
    return new ExternalChaincode(name, packageHash, channel, timeout, Optional.empty());
  }

  /**
   * Chaincode {@code name} from a chaincode-as-a-service package: pinned by the package's SHA-256,
   * served where its {@code connection.json} says, over TLS with its root (and client certificate)
   * when it asks for TLS. The channel lives as long as the process.
   *
   * @throws IllegalArgumentException if its TLS material cannot be read
   */
  public static ExternalChaincode connect(
      String name, ChaincodePackage chaincode, Duration timeout) {
    Objects.requireNonNull(chaincode, "chaincode");
    ChannelCredentials credentials = InsecureChannelCredentials.create();
    if (chaincode.rootCertificate().isPresent()) {
      try {
        TlsChannelCredentials.Builder tls =
            TlsChannelCredentials.newBuilder()
                .trustManager(utf8(chaincode.rootCertificate().get()));
        if (chaincode.clientCertificate().isPresent() && chaincode.clientKey().isPresent()) {
          tls.keyManager(
              utf8(chaincode.clientCertificate().get()), utf8(chaincode.clientKey().get()));
        }
        credentials = tls.build();
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "the TLS certificates of chaincode package "
                + chaincode.packageId()
                + " cannot be read",
            e);
      }
    }
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(timeout, "timeout");
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(chaincode.host(), chaincode.port(), credentials).build();
    return new ExternalChaincode(name, chaincode.sha256(), channel, timeout, Optional.of(channel));
  }

  /**
   * Closes the channel to the chaincode server if {@link #connect} made it, ending every session's
   * stream.
   */
  @Override
  public void close() {
    owned.ifPresent(ManagedChannel::shutdownNow);
  }

  private static InputStream utf8(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String name() {
    return name;
  }

  /** The SHA-256 of the chaincode package: what a ledger's config pins. */
  public ByteString packageHash() {
    return packageHash;
  }

  /** Its functions are the chaincode's own, found only by asking it: none is registered here. */
  @Override
  public void define(Transactions transactions) {}

  /**
   * A new session: one peer's own stream to the chaincode server, as every Fabric peer opens its
   * own. Peers must not share one: the chaincode tells transactions apart by channel and
   * transaction id alone, and every endorsing peer runs the same transaction.
   */
  public Session session() {
    return new Session(new ChaincodeStream(name, channel, timeout));
  }

  /**
   * One peer's stream to the chaincode server; it connects at the first transaction and again after
   * the stream breaks. Thread-safe: it carries all of its peer's transactions at once.
   */
  public final class Session implements AutoCloseable {
    private final ChaincodeStream stream;

    private Session(ChaincodeStream stream) {
      this.stream = stream;
    }

    /** The chaincode this session runs. */
    public ExternalChaincode chaincode() {
      return ExternalChaincode.this;
    }

    /**
     * Runs the proposal's invocation on the chaincode against committed state, recording what it
     * reads and writes. Blocks until the chaincode completes or the timeout passes.
     */
    public Simulation simulate(
        SignedProposal proposal, List<ByteString> args, TxContext transaction, StateReader state) {
      Objects.requireNonNull(proposal, "proposal");
      Objects.requireNonNull(args, "args");
      Objects.requireNonNull(transaction, "transaction");
      Objects.requireNonNull(state, "state");
      return stream.execute(
          proposal, List.copyOf(args), transaction, new SimulationState(state, name, false));
    }

    /** Ends the stream; transactions still running on it fail. */
    @Override
    public void close() {
      stream.close();
    }
  }
}
