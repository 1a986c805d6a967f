package io.patchwork.manager;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.patchwork.ca.Pem;
import io.patchwork.node.state.proto.StateAttestation;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.identity.Identities;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;

/**
 * An application on a member's host, as its own process: the official Fabric Gateway client with
 * only what {@code patchwork join} wrote (connection profile, client MSP and TLS folders), through
 * the first peer of the profile.
 *
 * <pre>
 * GatewayProbe JOIN_DIR submit CONTRACT FUNCTION ARGS...   prints "committed TXID"
 * GatewayProbe JOIN_DIR evaluate CONTRACT FUNCTION ARGS... prints "result RESULT"
 * GatewayProbe JOIN_DIR state-hash BLOCK HOST:PORT...      prints "result BLOCK_HASH:STATE_HASH..."
 * </pre>
 */
public final class GatewayProbe {
  private GatewayProbe() {}

  public static void main(String[] args) throws Exception {
    if (args[1].equals("state-hash")) {
      StringBuilder vouched = new StringBuilder("result");
      for (String endpoint : Arrays.copyOfRange(args, 3, args.length)) {
        vouched.append(' ').append(stateHash(Path.of(args[0]), Long.parseLong(args[2]), endpoint));
      }
      System.out.println(vouched);
      return;
    }
    System.out.println(
        call(
            Path.of(args[0]), args[1], args[2], args[3], Arrays.copyOfRange(args, 4, args.length)));
  }

  /**
   * Runs the probe with {@code args} as a process on {@code host} (its output in a file under
   * {@code logs}) until it prints an outcome ("committed ..." or "result ...") and exits 0, or
   * {@code patience} passes (zero: once); returns that outcome.
   *
   * @throws IllegalStateException with the last output, if there was none in time
   */
  public static String runOn(
      TestNetwork network, TestNetwork.Host host, Path logs, Duration patience, List<String> args)
      throws Exception {
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      Path log = Files.createTempFile(logs, "probe", ".log");
      Process probe =
          network.start(
              host,
              TestNetwork.shortLivedJava(GatewayProbe.class.getName(), args.toArray(String[]::new)),
              Map.of(),
              log);
      if (!probe.waitFor(90, TimeUnit.SECONDS)) {
        probe.destroyForcibly().waitFor();
      }
      String output = Files.readString(log);
      Optional<String> outcome =
          output
              .lines()
              .filter(line -> line.startsWith("committed ") || line.startsWith("result "))
              .findFirst();
      if (probe.exitValue() == 0 && outcome.isPresent()) {
        return outcome.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "no outcome of " + String.join(" ", args) + " within " + patience + ":\n" + output);
      }
      Thread.sleep(1000);
    }
  }

  /**
   * What the peer at {@code endpoint} vouches its state was right after block {@code block}: the
   * system query {@code _state StateHashAt} through its gateway, as the member whose join folder is
   * {@code joined}: "BLOCK_HASH:STATE_HASH" (hex).
   */
  static String stateHash(Path joined, long block, String endpoint) throws Exception {
    try (Connection connection = open(joined, endpoint)) {
      StateAttestation attestation =
          StateAttestation.parseFrom(
              connection
                  .gateway()
                  .getNetwork(connection.ledger())
                  .getContract("_state")
                  .evaluateTransaction("StateHashAt", Long.toString(block)));
      HexFormat hex = HexFormat.of();
      return hex.formatHex(attestation.getBlockHash().toByteArray())
          + ":"
          + hex.formatHex(attestation.getStateHash().toByteArray());
    }
  }

  /** A gateway connected as a member through the first peer of its connection profile. */
  public record Connection(Gateway gateway, ManagedChannel channel, String ledger)
      implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      gateway.close();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Connects as the member whose join folder is {@code joined}, with only what {@code patchwork
   * join} wrote there.
   */
  public static Connection open(Path joined) throws Exception {
    JsonObject profile =
        new JsonObject(Files.readString(joined.resolve("connection-profile.json")));
    return open(joined, profile.getJsonArray("peers").getJsonObject(0).getString("endpoint"));
  }

  /** Connects as {@link #open(Path)} does, through the peer at {@code endpoint} (HOST:PORT). */
  static Connection open(Path joined, String endpoint) throws Exception {
    JsonObject profile =
        new JsonObject(Files.readString(joined.resolve("connection-profile.json")));
    String roots = String.join("", profile.getJsonArray("tlsRootCertificates").getList());
    ChannelCredentials credentials =
        TlsChannelCredentials.newBuilder()
            .trustManager(new ByteArrayInputStream(roots.getBytes(StandardCharsets.US_ASCII)))
            .keyManager(
                joined.resolve("client/tls/cert.pem").toFile(),
                joined.resolve("client/tls/key.pem").toFile())
            .build();
    int colon = endpoint.lastIndexOf(':');
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                endpoint.substring(0, colon),
                Integer.parseInt(endpoint.substring(colon + 1)),
                credentials)
            .build();
    try {
      PrivateKey key =
          Identities.readPrivateKey(
              Files.readString(joined.resolve("client/msp/keystore/priv_sk")));
      Gateway gateway =
          Gateway.newInstance()
              .identity(
                  new X509Identity(
                      profile.getString("mspId"),
                      Pem.readCertificates(
                              Files.readString(joined.resolve("client/msp/signcerts/cert.pem")))
                          .get(0)))
              .signer(Signers.newPrivateKeySigner(key))
              .connection(channel)
              .connect();
      return new Connection(gateway, channel, profile.getString("ledger"));
    } catch (Exception | Error e) {
      channel.shutdownNow();
      throw e;
    }
  }

  /**
   * Submits ({@code mode} "submit") or evaluates a transaction as the member whose join folder is
   * {@code joined}: "committed TXID", "failed CODE TXID" or "result RESULT".
   */
  static String call(Path joined, String mode, String contractName, String function, String... rest)
      throws Exception {
    try (Connection connection = open(joined)) {
      Contract contract =
          connection.gateway().getNetwork(connection.ledger()).getContract(contractName);
      if (mode.equals("submit")) {
        var committed =
            contract.newProposal(function).addArguments(rest).build().endorse().submitAsync();
        var status = committed.getStatus();
        return (status.isSuccessful() ? "committed " : "failed " + status.getCode() + " ")
            + committed.getTransactionId();
      }
      return "result "
          + new String(contract.evaluateTransaction(function, rest), StandardCharsets.UTF_8);
    }
  }
}
