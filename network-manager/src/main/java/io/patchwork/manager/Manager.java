package io.patchwork.manager;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.Passphrase;
import io.patchwork.manager.access.ApiTokens;
import io.patchwork.manager.api.ApiVerticle;
import io.patchwork.manager.ledger.LedgerGovernance;
import io.patchwork.manager.ledger.LedgerMetrics;
import io.patchwork.manager.ledger.LedgerRegistry;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.manager.ledger.MemberInvites;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network manager put together: the registry (embedded H2 under the data directory, or
 * PostgreSQL), the ledgers' authorities, API tokens, the ledgers it runs and the HTTP API. {@link
 * #start} brings back every ACTIVE ledger from disk before the API takes requests; {@link #close}
 * stops the API, then the ledgers, then the database.
 */
public final class Manager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Manager.class);

  /** Under the data directory: the operator's API token, readable by its owner only. */
  public static final String OPERATOR_TOKEN_FILE = "operator-token";

  /**
   * Where and how the manager runs.
   *
   * @param dataDirectory the registry (when embedded), key stores, ledgers' node data, log
   * @param host the API's address
   * @param port the API's port, 0 for any free one
   * @param postgresUrl a {@code jdbc:postgresql:} URL for the registry; empty for embedded H2
   * @param passphrase the authorities' key store passphrase
   */
  public record Settings(
      Path dataDirectory,
      String host,
      int port,
      Optional<String> postgresUrl,
      Passphrase passphrase) {
    public Settings {
      Objects.requireNonNull(dataDirectory, "dataDirectory");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(postgresUrl, "postgresUrl");
      Objects.requireNonNull(passphrase, "passphrase");
      postgresUrl.ifPresent(
          url -> {
            if (!url.startsWith("jdbc:postgresql:")) {
              throw new IllegalArgumentException(
                  "the registry URL must be a jdbc:postgresql: URL; leave it unset for embedded H2");
            }
          });
    }
  }

  private final Settings settings;
  private final Optional<EmbeddedDatabase> embedded;
  private final LedgerService ledgers;
  private final ApiTokens tokens;
  private final Vertx vertx;
  private final ApiVerticle api;
  private final int resumed;

  private Manager(
      Settings settings,
      Optional<EmbeddedDatabase> embedded,
      LedgerService ledgers,
      ApiTokens tokens,
      Vertx vertx,
      ApiVerticle api,
      int resumed) {
    this.settings = settings;
    this.embedded = embedded;
    this.ledgers = ledgers;
    this.tokens = tokens;
    this.vertx = vertx;
    this.api = api;
    this.resumed = resumed;
  }

  /** Opens the registry, brings back the ledgers that were ACTIVE, then starts the API. */
  public static Manager start(Settings settings)
      throws IOException, SQLException, CaException, InterruptedException {
    Path data = settings.dataDirectory().toAbsolutePath().normalize();
    Files.createDirectories(data);
    Optional<EmbeddedDatabase> embedded = Optional.empty();
    DataSource dataSource;
    if (settings.postgresUrl().isPresent()) {
      PGSimpleDataSource postgres = new PGSimpleDataSource();
      postgres.setURL(settings.postgresUrl().get());
      dataSource = postgres;
    } else {
      embedded = Optional.of(EmbeddedDatabase.open(data.resolve("registry/patchwork")));
      dataSource = embedded.get().dataSource();
    }
    LedgerService ledgers = null;
    Vertx vertx = null;
    try {
      CertificateAuthorities authorities =
          CertificateAuthorities.builder()
              .dataSource(dataSource)
              .keyDirectory(data.resolve("ca-keys"))
              .passphrase(settings.passphrase())
              .build();
      LedgerRegistry registry = new LedgerRegistry(dataSource);
      ApiTokens tokens = new ApiTokens(dataSource, Clock.systemUTC());
      tokens.ensureOperatorToken(data.resolve(OPERATOR_TOKEN_FILE));
      ledgers =
          new LedgerService(
              data,
              registry,
              authorities,
              new LedgerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
      int resumed = ledgers.resumeAfterRestart();
      vertx = Vertx.vertx();
      ApiVerticle api =
          new ApiVerticle(
              settings.host(),
              settings.port(),
              Optional.of(
                  new ApiVerticle.Backend(
                      ledgers,
                      tokens,
                      new MemberInvites(ledgers, tokens),
                      new LedgerGovernance(ledgers, tokens, Clock.systemUTC()))));
      try {
        vertx
            .deployVerticle(api)
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        throw new IOException(
            "the API cannot listen on "
                + settings.host()
                + ":"
                + settings.port()
                + ": "
                + cause.getMessage(),
            cause);
      }
      log.info(
          "manager.started url={} ledgers_resumed={}",
          "http://" + settings.host() + ":" + api.port(),
          resumed);
      return new Manager(settings, embedded, ledgers, tokens, vertx, api, resumed);
    } catch (IOException | SQLException | CaException | InterruptedException | RuntimeException e) {
      if (vertx != null) {
        vertx.close().toCompletionStage().toCompletableFuture().join();
      }
      if (ledgers != null) {
        ledgers.close();
      }
      embedded.ifPresent(EmbeddedDatabase::close);
      throw e;
    }
  }

  /** The API's base URL. */
  public String url() {
    return "http://" + settings.host() + ":" + api.port();
  }

  public int port() {
    return api.port();
  }

  /** The file holding the operator's API token. */
  public Path operatorTokenFile() {
    return settings.dataDirectory().toAbsolutePath().normalize().resolve(OPERATOR_TOKEN_FILE);
  }

  public LedgerService ledgers() {
    return ledgers;
  }

  public ApiTokens tokens() {
    return tokens;
  }

  /** The paths the API serves, in OpenAPI form. */
  public java.util.Set<String> apiPaths() {
    return api.paths();
  }

  /** How many ledgers were brought back from disk when this instance started. */
  public int resumed() {
    return resumed;
  }

  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("manager.api_stop_failed reason=\"{}\"", e.toString());
    }
    ledgers.close();
    embedded.ifPresent(EmbeddedDatabase::close);
    log.info("manager.stopped");
  }
}
