package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.patchwork.node.contract.ChaincodePackage;
import io.patchwork.node.contract.ExternalChaincode;
import io.patchwork.node.contract.builtin.BuiltInContracts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hyperledger.fabric.client.ChaincodeEvent;
import org.hyperledger.fabric.client.CloseableIterator;
import org.hyperledger.fabric.client.CommitException;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.EndorseException;
import org.hyperledger.fabric.client.GatewayException;
import org.hyperledger.fabric.client.Network;
import org.hyperledger.fabric.client.Status;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaincode written with the official Fabric chaincode shim, run as a chaincode server, pinned on a
 * ledger and used through the official Fabric Gateway client: results, state, composite keys,
 * events, the caller's MSP id, MVCC conflicts and a chaincode error behave as on Fabric.
 */
@Tag("cluster")
class ExternalChaincodeTest {
  private static final String NAME = "assets";

  @TempDir Path directory;

  private AssetChaincodeServer server;
  private ManagedChannel toServer;
  private final AtomicInteger streams = new AtomicInteger();
  private Path packageFile;
  private int port;

  @BeforeEach
  void startChaincodeServer() throws Exception {
    server = AssetChaincodeServer.start(NAME);
    port = server.port();
  }

  @AfterEach
  void stopChaincodeServer() {
    if (toServer != null) {
      toServer.shutdownNow();
    }
    server.close();
  }

  /**
   * A ledger pinning the chaincode by the SHA-256 of its chaincode-as-a-service package, whose
   * connection.json names the server. The peers of this process reach it over one channel that
   * counts the streams opened on it.
   */
  private Cluster.Options ledgerWithTheChaincode() throws Exception {
    Path file = server.ccaasPackage(directory, "assets_1.0");
    packageFile = file;
    ChaincodePackage chaincode = ChaincodePackage.read(file);
    toServer = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    Channel counted =
        ClientInterceptors.intercept(
            toServer,
            new ClientInterceptor() {
              @Override
              public <Q, A> ClientCall<Q, A> interceptCall(
                  MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
                streams.incrementAndGet();
                return next.newCall(method, options);
              }
            });
    ExternalChaincode assets =
        ExternalChaincode.of(NAME, chaincode.sha256(), counted, Duration.ofSeconds(20));
    return Cluster.options()
        .organizations(2)
        .orderers(1)
        .blocks(100, Duration.ofMillis(20))
        .contracts(BuiltInContracts.registryWith(assets));
  }

  @Test
  void chaincode_of_the_official_shim_commits_reads_ranges_and_sees_its_caller() throws Exception {
    Cluster.run(
        directory,
        ledgerWithTheChaincode(),
        cluster -> {
          Network network = cluster.gateway(cluster.admin("BankAMSP"), "peer0").getNetwork("trade");
          Contract assets = network.getContract(NAME);
          try (CloseableIterator<ChaincodeEvent> events = network.getChaincodeEvents(NAME)) {
            var created =
                assets.newProposal("create").addArguments("a1", "BankA", "10").build().endorse();
            assertThat(new String(created.getResult(), StandardCharsets.UTF_8)).isEqualTo("a1");
            Status status = created.submitAsync().getStatus();
            assertThat(status.getCode()).isEqualTo(TxValidationCode.VALID);
            ChaincodeEvent event = events.next();
            assertThat(event.getEventName()).isEqualTo("AssetCreated");
            assertThat(event.getChaincodeName()).isEqualTo(NAME);
            assertThat(event.getTransactionId()).isEqualTo(created.getTransactionId());
            assertThat(new String(event.getPayload(), StandardCharsets.UTF_8)).isEqualTo("a1");
          }
          assets.submitTransaction("create", "a2", "BankA", "20");
          assets.submitTransaction("create", "b1", "BankB", "30");
          // Read through Bank B's peer below: let every peer commit what Bank A's has.
          cluster.awaitHeight(
              cluster.ledger().peer("peer0").ledger().height(), Duration.ofSeconds(20));

          assertThat(utf8(assets.evaluateTransaction("read", "a2"))).isEqualTo("20");
          assertThat(utf8(assets.evaluateTransaction("owned", "BankA"))).isEqualTo("a1,a2");
          assertThat(utf8(assets.evaluateTransaction("range", "a", "b"))).isEqualTo("a1,a2");
          assertThat(utf8(assets.evaluateTransaction("whoami"))).isEqualTo("BankAMSP");
          Contract asBankB =
              cluster
                  .gateway(cluster.admin("BankBMSP"), "peer1")
                  .getNetwork("trade")
                  .getContract(NAME);
          assertThat(utf8(asBankB.evaluateTransaction("whoami"))).isEqualTo("BankBMSP");
          assertThat(utf8(asBankB.evaluateTransaction("read", "b1"))).isEqualTo("30");
          // Each peer has its own stream, as Fabric peers do: the chaincode tells transactions
          // apart by channel and id only, and both peers endorsed every one of them.
          assertThat(streams).hasValue(2);
        });
  }

  @Test
  void
      two_updates_of_the_same_asset_endorsed_together_commit_one_and_the_other_is_an_mvcc_conflict()
          throws Exception {
    Cluster.run(
        directory,
        ledgerWithTheChaincode(),
        cluster -> {
          Contract assets = assetsOfBankA(cluster);
          assets.submitTransaction("create", "a1", "BankA", "10");
          var first = assets.newProposal("move").addArguments("a1", "5").build().endorse();
          var second = assets.newProposal("move").addArguments("a1", "7").build().endorse();

          assertThat(first.submitAsync().getStatus().getCode()).isEqualTo(TxValidationCode.VALID);
          assertThatThrownBy(second::submit)
              .isInstanceOfSatisfying(
                  CommitException.class,
                  e -> assertThat(e.getCode()).isEqualTo(TxValidationCode.MVCC_READ_CONFLICT));
          assertThat(utf8(assets.evaluateTransaction("read", "a1"))).isEqualTo("15");
        });
  }

  @Test
  void a_chaincode_error_reaches_the_client_as_fabric_reports_it_and_commits_nothing()
      throws Exception {
    Cluster.run(
        directory,
        ledgerWithTheChaincode(),
        cluster -> {
          Contract assets = assetsOfBankA(cluster);
          long height = cluster.ledger().peer("peer0").ledger().height();
          assertThatThrownBy(() -> assets.submitTransaction("refuse"))
              .isInstanceOfSatisfying(
                  EndorseException.class,
                  e ->
                      assertThat(e.getDetails())
                          .isNotEmpty()
                          .allSatisfy(
                              detail ->
                                  assertThat(detail.getMessage())
                                      .isEqualTo(
                                          "chaincode response 500, refused: this chaincode says no")));
          assertThatThrownBy(() -> assets.evaluateTransaction("read", "nothing"))
              .hasMessageContaining("ABORTED");
          // What a Patchwork peer does not serve (CouchDB rich queries) it answers with an ERROR
          // message, which the Java shim turns into its "Unsuccessful response" exception.
          assertThatThrownBy(() -> assets.evaluateTransaction("rich", "{\"selector\":{}}"))
              .isInstanceOfSatisfying(
                  GatewayException.class,
                  e ->
                      assertThat(e.getDetails())
                          .anySatisfy(
                              detail ->
                                  assertThat(detail.getMessage())
                                      .startsWith("chaincode response 500")
                                      .contains("Unsuccessful response received")));
          assets.submitTransaction("create", "a1", "BankA", "1");
          assertThatThrownBy(() -> assets.submitTransaction("create", "a1", "BankA", "1"))
              .isInstanceOf(EndorseException.class);
          assertThat(cluster.ledger().peer("peer0").ledger().height()).isEqualTo(height + 1);
        });
  }

  @Test
  void a_standalone_peer_given_the_package_endorses_with_the_chaincode() throws Exception {
    Cluster.run(
        directory,
        ledgerWithTheChaincode(),
        cluster -> {
          // Bank B's peer as its own process, `patchwork node run ... --chaincode assets=PACKAGE`.
          cluster.runStandalone("peer1", "--chaincode", NAME + "=" + packageFile);
          Contract assets = assetsOfBankA(cluster);
          // Both members must endorse: the standalone peer runs the chaincode through the package.
          assets.submitTransaction("create", "s1", "BankB", "42");
          Contract throughBankB =
              cluster
                  .gateway(cluster.admin("BankBMSP"), "peer1")
                  .getNetwork("trade")
                  .getContract(NAME);
          assertThat(utf8(throughBankB.evaluateTransaction("whoami"))).isEqualTo("BankBMSP");
          // The commit status answered once Bank A's peer committed; Bank B's may be a block later.
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
          String read = null;
          while (read == null) {
            try {
              read = utf8(throughBankB.evaluateTransaction("read", "s1"));
            } catch (GatewayException notYet) {
              if (System.nanoTime() > deadline) {
                throw notYet;
              }
              Thread.sleep(50);
            }
          }
          assertThat(read).isEqualTo("42");
        });
  }

  /** The chaincode as Bank A's admin calls it, through Bank A's peer. */
  private static Contract assetsOfBankA(Cluster cluster) throws Exception {
    return cluster
        .gateway(cluster.admin("BankAMSP"), "peer0")
        .getNetwork("trade")
        .getContract(NAME);
  }

  private static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
