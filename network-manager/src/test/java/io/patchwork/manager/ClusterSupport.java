package io.patchwork.manager;

import io.patchwork.ca.Pem;
import io.patchwork.ca.ServiceIdentity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What cluster tests share: a PostgreSQL schema of their own on the machine's server, and one
 * authority's certificate for every instance's API and event bus, as a cluster is deployed.
 */
final class ClusterSupport {
  static final String POSTGRES_URL =
      System.getenv()
          .getOrDefault(
              "PATCHWORK_TEST_POSTGRES_URL",
              "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=2");

  private ClusterSupport() {}

  /** A new schema; empty when no PostgreSQL answers (the caller skips). */
  static Optional<String> createSchema(String prefix) {
    String schema = prefix + "_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection connection = admin().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
      return Optional.of(schema);
    } catch (SQLException e) {
      return Optional.empty();
    }
  }

  /** The registry URL of a schema {@link #createSchema} made. */
  static String registryUrl(String schema) {
    return POSTGRES_URL + "&currentSchema=" + schema;
  }

  static void dropSchema(String schema) throws SQLException {
    try (Connection connection = admin().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA " + schema + " CASCADE");
    }
  }

  private static PGSimpleDataSource admin() {
    PGSimpleDataSource admin = new PGSimpleDataSource();
    admin.setURL(POSTGRES_URL);
    return admin;
  }

  /** A request to {@code url} as the holder of {@code token}, with a JSON body if given. */
  static HttpResponse<String> send(
      HttpClient http, String method, String url, String token, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .header("authorization", "Bearer " + token)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("content-type", "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The instances' certificate (with its authority after it), key and authority, as PEM files. */
  record Certificates(Path certificate, Path key, Path authority, ServiceIdentity identity) {
    /** A certificate for {@code localhost} and 127.0.0.1, written under {@code directory}. */
    static Certificates issue(Path directory) throws Exception {
      ServiceIdentity api =
          ServiceIdentity.issue(
              "cluster test API",
              List.of("localhost"),
              List.of(InetAddress.getByName("127.0.0.1")),
              Duration.ofDays(1));
      Certificates files =
          new Certificates(
              directory.resolve("api-cert.pem"),
              directory.resolve("api-key.pem"),
              directory.resolve("api-ca.pem"),
              api);
      Files.writeString(
          files.certificate(), Pem.certificates(List.of(api.certificate(), api.authority())));
      Files.writeString(files.key(), Pem.privateKey(api.key()));
      Files.writeString(files.authority(), Pem.certificate(api.authority()));
      return files;
    }

    /** An HTTP client that trusts the instances' authority (and checks host names). */
    HttpClient client() throws Exception {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("api", identity.authority());
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return HttpClient.newBuilder().sslContext(context).build();
    }
  }
}
