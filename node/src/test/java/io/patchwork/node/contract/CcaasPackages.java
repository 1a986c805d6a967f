package io.patchwork.node.contract;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Fabric chaincode-as-a-service packages for tests, laid out as Fabric's tools make them. */
public final class CcaasPackages {
  private CcaasPackages() {}

  /** A package as {@code peer lifecycle chaincode package} makes one for type ccaas. */
  public static Path ccaasPackage(
      Path directory, String label, String metadataType, String connection) throws IOException {
    Map<String, byte[]> code = new LinkedHashMap<>();
    if (connection != null) {
      code.put("connection.json", connection.getBytes(StandardCharsets.UTF_8));
    }
    Map<String, byte[]> outer = new LinkedHashMap<>();
    outer.put(
        "metadata.json",
        ("{\"type\":\"" + metadataType + "\",\"label\":\"" + label + "\"}")
            .getBytes(StandardCharsets.UTF_8));
    outer.put("code.tar.gz", tarGz(code));
    Path file = directory.resolve(label + ".tar.gz");
    Files.write(file, tarGz(outer));
    return file;
  }

  private static byte[] tarGz(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        TarArchiveEntry header = new TarArchiveEntry(entry.getKey());
        header.setSize(entry.getValue().length);
        tar.putArchiveEntry(header);
        tar.write(entry.getValue());
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }
}
