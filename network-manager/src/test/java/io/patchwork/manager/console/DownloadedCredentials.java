package io.patchwork.manager.console;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.identity.Identities;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;

/**
 * The credentials zip a member saved from the console, read as a member's tooling would: its files,
 * its private keys, and the official Fabric Gateway client connected with its client identity and
 * TLS pair through the connection profile's first peer.
 */
final class DownloadedCredentials implements AutoCloseable {
  private final Map<String, byte[]> files;
  private ManagedChannel channel;
  private Gateway gateway;

  private DownloadedCredentials(Map<String, byte[]> files) {
    this.files = files;
  }

  static DownloadedCredentials read(Path zip) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(zip);
        ZipInputStream entries = new ZipInputStream(in)) {
      for (ZipEntry entry; (entry = entries.getNextEntry()) != null; ) {
        files.put(entry.getName(), entries.readAllBytes());
      }
    }
    return new DownloadedCredentials(files);
  }

  Map<String, byte[]> files() {
    return files;
  }

  String text(String name) {
    byte[] bytes = files.get(name);
    if (bytes == null) {
      throw new AssertionError("the zip holds no " + name + "; it holds " + files.keySet());
    }
    return new String(bytes, StandardCharsets.US_ASCII);
  }

  JsonObject profile() {
    return new JsonObject(text("connection-profile.json"));
  }

  /** The private keys it holds (admin, client, client TLS). */
  List<PrivateKey> privateKeys() throws Exception {
    return List.of(
        Identities.readPrivateKey(text("admin/msp/keystore/priv_sk")),
        Identities.readPrivateKey(text("client/msp/keystore/priv_sk")),
        Identities.readPrivateKey(text("client/tls/key.pem")));
  }

  /** Every way a key's secret could travel in a request body: PEM base64, its scalar. */
  static List<String> spellings(PrivateKey key) {
    byte[] scalar = unsigned32(((ECPrivateKey) key).getS());
    String pem = Base64.getEncoder().encodeToString(key.getEncoded());
    return List.of(
        pem.substring(0, 40),
        HexFormat.of().formatHex(scalar),
        Base64.getEncoder().encodeToString(scalar),
        Base64.getUrlEncoder().withoutPadding().encodeToString(scalar));
  }

  private static byte[] unsigned32(BigInteger value) {
    byte[] raw = value.toByteArray();
    byte[] out = new byte[32];
    int copy = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
    return out;
  }

  /** The Fabric Gateway client as the member's application, through its own peer (one, kept). */
  Gateway gateway() throws Exception {
    if (gateway != null) {
      return gateway;
    }
    JsonObject profile = profile();
    JsonArray roots = profile.getJsonArray("tlsRootCertificates");
    ChannelCredentials credentials =
        TlsChannelCredentials.newBuilder()
            .trustManager(
                new ByteArrayInputStream(
                    String.join("", roots.getList()).getBytes(StandardCharsets.US_ASCII)))
            .keyManager(
                new ByteArrayInputStream(files.get("client/tls/cert.pem")),
                new ByteArrayInputStream(files.get("client/tls/key.pem")))
            .build();
    String endpoint = profile.getJsonArray("peers").getJsonObject(0).getString("endpoint");
    int colon = endpoint.lastIndexOf(':');
    channel =
        Grpc.newChannelBuilderForAddress(
                endpoint.substring(0, colon),
                Integer.parseInt(endpoint.substring(colon + 1)),
                credentials)
            .build();
    gateway =
        Gateway.newInstance()
            .identity(
                new X509Identity(
                    profile.getString("mspId"),
                    Identities.readX509Certificate(text("client/msp/signcerts/cert.pem"))))
            .signer(
                Signers.newPrivateKeySigner(
                    Identities.readPrivateKey(text("client/msp/keystore/priv_sk"))))
            .connection(channel)
            .connect();
    return gateway;
  }

  @Override
  public void close() {
    if (gateway != null) {
      gateway.close();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
  }
}
