package io.patchwork.node.cluster;

import io.patchwork.node.contract.CcaasPackages;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.hyperledger.fabric.shim.ChaincodeServerProperties;
import org.hyperledger.fabric.shim.NettyChaincodeServer;

/**
 * The asset chaincode of these tests, written with the official Fabric chaincode shim, served as a
 * chaincode server (Fabric's "chaincode as a service") on a free loopback port, with the
 * chaincode-as-a-service package that points a peer at it.
 */
public final class AssetChaincodeServer implements AutoCloseable {
  private final NettyChaincodeServer server;
  private final int port;

  private AssetChaincodeServer(NettyChaincodeServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /** Starts serving chaincode {@code name}; it serves until closed. */
  public static AssetChaincodeServer start(String name) throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    ChaincodeServerProperties properties = new ChaincodeServerProperties();
    properties.setServerAddress(new InetSocketAddress("127.0.0.1", port));
    NettyChaincodeServer server = new NettyChaincodeServer(new AssetChaincode(name), properties);
    Thread serving =
        new Thread(
            () -> {
              try {
                server.start();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            "chaincode-server");
    serving.setDaemon(true);
    serving.start();
    return new AssetChaincodeServer(server, port);
  }

  public int port() {
    return port;
  }

  /** A ccaas package labelled {@code label}, its connection.json naming this server, no TLS. */
  public Path ccaasPackage(Path directory, String label) throws IOException {
    return CcaasPackages.ccaasPackage(
        directory,
        label,
        "ccaas",
        "{\"address\":\"127.0.0.1:" + port + "\",\"dial_timeout\":\"10s\",\"tls_required\":false}");
  }

  @Override
  public void close() {
    server.stop();
  }
}
