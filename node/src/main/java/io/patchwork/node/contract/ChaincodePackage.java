package io.patchwork.node.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.patchwork.node.crypto.Sha256;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * A Fabric chaincode package for chaincode as a service, as Fabric's tools make one: a {@code
 * .tar.gz} holding {@code metadata.json} ({@code "type": "ccaas"} and a label) and {@code
 * code.tar.gz}, which holds {@code connection.json} — where the chaincode server listens ({@code
 * address}), and for TLS its {@code root_cert} and, when it wants to see the peer's, {@code
 * client_cert} and {@code client_key}. Its SHA-256 is what a ledger pins, as Fabric's package id is
 * {@code label:sha256}.
 *
 * @param label the package's label
 * @param sha256 the SHA-256 of the package file
 * @param address the chaincode server's {@code host:port}
 * @param rootCertificate PEM root the server's TLS certificate chains to; empty: plaintext
 * @param clientCertificate PEM certificate the peer presents, if the server asks for one
 * @param clientKey PEM private key of {@code clientCertificate}; never logged
 */
public record ChaincodePackage(
    String label,
    ByteString sha256,
    String address,
    Optional<String> rootCertificate,
    Optional<String> clientCertificate,
    Optional<String> clientKey) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ENTRY = 1 << 20;

  public ChaincodePackage {
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(rootCertificate, "rootCertificate");
    Objects.requireNonNull(clientCertificate, "clientCertificate");
    Objects.requireNonNull(clientKey, "clientKey");
  }

  /** Fabric's package id: the label and the package's SHA-256 in hex. */
  public String packageId() {
    return label + ":" + HexFormat.of().formatHex(sha256.toByteArray());
  }

  /** The server's host. */
  public String host() {
    return address.substring(0, address.lastIndexOf(':'));
  }

  /** The server's port. */
  public int port() {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  /**
   * Reads the package at {@code file}.
   *
   * @throws IllegalArgumentException naming what is wrong: not a gzipped tar, no {@code
   *     metadata.json} or {@code connection.json}, a type other than {@code ccaas} (Patchwork peers
   *     do not build or launch chaincode), an address that is not {@code host:port}, TLS without a
   *     root certificate
   * @throws IOException if the file cannot be read
   */
  public static ChaincodePackage read(Path file) throws IOException {
    return read(Files.readAllBytes(file), file.toString());
  }

  /**
   * Reads a package from its bytes; {@code source} names it in errors.
   *
   * @throws IllegalArgumentException as {@link #read(Path)}
   */
  public static ChaincodePackage read(byte[] bytes, String source) {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(source, "source");
    String file = source;
    Map<String, byte[]> outer = entries(new ByteArrayInputStream(bytes), file);
    JsonNode metadata = json(outer, "metadata.json", file);
    String type = metadata.path("type").asText("");
    if (!type.equals("ccaas")) {
      throw new IllegalArgumentException(
          file
              + " is a chaincode package of type '"
              + type
              + "'; Patchwork peers run chaincode as a service only (type ccaas)");
    }
    byte[] code = outer.get("code.tar.gz");
    if (code == null) {
      throw new IllegalArgumentException(file + " holds no code.tar.gz");
    }
    JsonNode connection =
        json(
            entries(new ByteArrayInputStream(code), file + "!code.tar.gz"),
            "connection.json",
            file + "!code.tar.gz");
    String address = connection.path("address").asText("");
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || !address.substring(colon + 1).matches("[0-9]{1,5}")) {
      throw new IllegalArgumentException(
          file + ": connection.json's address '" + address + "' is not host:port");
    }
    boolean tls = connection.path("tls_required").asBoolean(false);
    Optional<String> root = text(connection, "root_cert");
    if (tls && root.isEmpty()) {
      throw new IllegalArgumentException(
          file + ": connection.json asks for TLS but gives no root_cert");
    }
    boolean clientAuth = connection.path("client_auth_required").asBoolean(false);
    return new ChaincodePackage(
        metadata.path("label").asText(""),
        ByteString.copyFrom(Sha256.newDigest().digest(bytes)),
        address,
        tls ? root : Optional.empty(),
        tls && clientAuth ? text(connection, "client_cert") : Optional.empty(),
        tls && clientAuth ? text(connection, "client_key") : Optional.empty());
  }

  @Override
  public String toString() {
    return "ChaincodePackage[" + packageId() + " at " + address + "]";
  }

  private static Map<String, byte[]> entries(InputStream gzipped, String where) {
    Map<String, byte[]> entries = new HashMap<>();
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new GzipCompressorInputStream(gzipped))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        if (!entry.isFile()) {
          continue;
        }
        if (entry.getSize() > MAX_ENTRY) {
          throw new IllegalArgumentException(where + ": " + entry.getName() + " is over 1 MiB");
        }
        String name =
            entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
        entries.put(name, tar.readAllBytes());
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          where + " is not a gzipped tar archive: " + e.getMessage(), e);
    }
    return entries;
  }

  private static JsonNode json(Map<String, byte[]> entries, String name, String where) {
    byte[] bytes = entries.get(name);
    if (bytes == null) {
      throw new IllegalArgumentException(where + " holds no " + name);
    }
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException(where + ": " + name + " is not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ": " + name + " is not JSON", e);
    }
  }

  private static Optional<String> text(JsonNode node, String field) {
    String value = node.path(field).asText("");
    return value.isBlank() ? Optional.empty() : Optional.of(value);
  }
}
