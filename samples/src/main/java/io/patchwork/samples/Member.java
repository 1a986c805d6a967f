package io.patchwork.samples;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.identity.Identities;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;

/**
 * A member's application, from nothing but what {@code patchwork join} wrote: the client MSP
 * folder, the client TLS folder and the connection profile. It connects the official Fabric Gateway
 * client to the first peer the profile lists.
 */
final class Member implements AutoCloseable {
  private final ManagedChannel channel;
  private final Gateway gateway;
  private final String ledger;

  private Member(ManagedChannel channel, Gateway gateway, String ledger) {
    this.channel = channel;
    this.gateway = gateway;
    this.ledger = ledger;
  }

  static Member connect(String mspId, Path joined) throws Exception {
    JsonObject profile =
        new JsonObject(Files.readString(joined.resolve("connection-profile.json")));
    String endpoint = profile.getJsonArray("peers").getJsonObject(0).getString("endpoint");
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
    X509Certificate certificate;
    PrivateKey key;
    try (Reader certificateFile =
            Files.newBufferedReader(joined.resolve("client/msp/signcerts/cert.pem"));
        Reader keyFile = Files.newBufferedReader(joined.resolve("client/msp/keystore/priv_sk"))) {
      certificate = Identities.readX509Certificate(certificateFile);
      key = Identities.readPrivateKey(keyFile);
    }
    Gateway gateway =
        Gateway.newInstance()
            .identity(new X509Identity(mspId, certificate))
            .signer(Signers.newPrivateKeySigner(key))
            .connection(channel)
            .connect();
    return new Member(channel, gateway, profile.getString("ledger"));
  }

  Contract obligations() {
    return contract("obligations");
  }

  Contract contract(String name) {
    return gateway.getNetwork(ledger).getContract(name);
  }

  @Override
  public void close() {
    gateway.close();
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
