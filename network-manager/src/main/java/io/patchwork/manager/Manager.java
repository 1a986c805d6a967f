package io.patchwork.manager;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.HostedKeys;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.PassphraseSeal;
import io.patchwork.ca.Pem;
import io.patchwork.manager.access.ApiTokens;
import io.patchwork.manager.api.ApiTls;
import io.patchwork.manager.api.ApiVerticle;
import io.patchwork.manager.ledger.CertificateInventory;
import io.patchwork.manager.ledger.CertificateLogins;
import io.patchwork.manager.ledger.CertificateRenewals;
import io.patchwork.manager.ledger.HostedAdmins;
import io.patchwork.manager.ledger.LedgerCustody;
import io.patchwork.manager.ledger.LedgerGovernance;
import io.patchwork.manager.ledger.LedgerMetrics;
import io.patchwork.manager.ledger.LedgerRegistry;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.manager.ledger.MemberInvites;
import io.patchwork.manager.ledger.OrdererPlacement;
import io.patchwork.manager.ledger.Recertification;
import io.patchwork.manager.ledger.Settlement;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.host.EmbeddedLedgers;
import io.patchwork.node.host.SatelliteOrderers;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network manager put together: the registry (embedded H2 under the data directory, or
 * PostgreSQL), the ledgers' authorities, API tokens, the ledgers it runs and the HTTP API. {@link
 * #start} brings back every ACTIVE ledger from disk before the API takes requests; {@link #close}
 * stops the API, then the ledgers, then the database.
 */
public final class Manager implements AutoCloseable {
  /**
   * How often running ledgers are checked: past their lifespan, certificates due for renewal, the
   * certificate inventory's gauge.
   */
  private static final Duration LEDGER_CHECKS = Duration.ofSeconds(10);

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
   * @param cluster cluster mode: join other instances (needs the PostgreSQL registry)
   * @param nodes where the ledger nodes this instance runs listen, and the address they are reached
   *     at (in ledger configs, connection profiles and their TLS certificates)
   * @param tls the API's HTTPS identity; required off loopback, plain HTTP without it
   */
  public record Settings(
      Path dataDirectory,
      String host,
      int port,
      Optional<String> postgresUrl,
      Passphrase passphrase,
      Optional<Cluster> cluster,
      NodeAddresses nodes,
      Optional<ApiTls> tls,
      CertificatePolicy certificates) {
    /** A manager with the default certificate policy. */
    public Settings(
        Path dataDirectory,
        String host,
        int port,
        Optional<String> postgresUrl,
        Passphrase passphrase,
        Optional<Cluster> cluster,
        NodeAddresses nodes,
        Optional<ApiTls> tls) {
      this(
          dataDirectory,
          host,
          port,
          postgresUrl,
          passphrase,
          cluster,
          nodes,
          tls,
          CertificatePolicy.DEFAULT);
    }

    /** These settings with another certificate policy. */
    public Settings withCertificates(CertificatePolicy policy) {
      return new Settings(
          dataDirectory, host, port, postgresUrl, passphrase, cluster, nodes, tls, policy);
    }

    /** A manager on its own, its nodes on loopback. */
    public Settings(
        Path dataDirectory,
        String host,
        int port,
        Optional<String> postgresUrl,
        Passphrase passphrase) {
      this(dataDirectory, host, port, postgresUrl, passphrase, Optional.empty());
    }

    /** A manager whose nodes are on loopback. */
    public Settings(
        Path dataDirectory,
        String host,
        int port,
        Optional<String> postgresUrl,
        Passphrase passphrase,
        Optional<Cluster> cluster) {
      this(dataDirectory, host, port, postgresUrl, passphrase, cluster, NodeAddresses.loopback());
    }

    /** A manager serving plain HTTP (loopback only). */
    public Settings(
        Path dataDirectory,
        String host,
        int port,
        Optional<String> postgresUrl,
        Passphrase passphrase,
        Optional<Cluster> cluster,
        NodeAddresses nodes) {
      this(dataDirectory, host, port, postgresUrl, passphrase, cluster, nodes, Optional.empty());
    }

    public Settings {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(nodes, "nodes");
      Objects.requireNonNull(tls, "tls");
      Objects.requireNonNull(certificates, "certificates");
      if (tls.isEmpty() && !isLoopback(host)) {
        throw new IllegalArgumentException(
            "the API listens on "
                + host
                + ", off loopback: it serves HTTPS there (tokens and invites would travel in"
                + " clear); give it a certificate or let it make one");
      }
      if (tls.isPresent() && cluster.isPresent() && tls.get().authority().isEmpty()) {
        throw new IllegalArgumentException(
            "cluster mode over HTTPS: instances forward requests to each other, so name the"
                + " authority that issued every instance's certificate (PATCHWORK_TLS_CA)");
      }
      if (cluster.isPresent() && postgresUrl.isEmpty()) {
        throw new IllegalArgumentException(
            "cluster mode needs the shared PostgreSQL registry: set PATCHWORK_DATABASE_URL");
      }
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

  /**
   * Cluster mode: the Hazelcast member this instance runs, on {@code host:port}, joining the listed
   * members over TCP (multicast, auto-detection and phone-home off), and the Vert.x event bus on
   * {@code host:busPort} (0: any free port). Instances share the PostgreSQL registry and the data
   * directory's ledger files.
   */
  public record Cluster(String host, int port, int busPort, List<String> members) {
    public Cluster {
      Objects.requireNonNull(host, "host");
      members = List.copyOf(members);
      if (members.isEmpty()) {
        throw new IllegalArgumentException("name at least one cluster member (host:port)");
      }
    }

    /** The event bus on any free port. */
    public Cluster(String host, int port, List<String> members) {
      this(host, port, 0, members);
    }

    /**
     * The event bus between instances: on the cluster host, and over mutual TLS with the instances'
     * own certificates when they have an authority in common (off loopback they must: the API
     * serves HTTPS there, and cluster mode over HTTPS needs that authority). An instance then takes
     * event-bus connections only from holders of a certificate of that authority.
     */
    EventBusOptions eventBus(Optional<ApiTls> tls) {
      EventBusOptions options =
          new EventBusOptions().setHost(host).setPort(busPort).setClusterPublicHost(host);
      tls.filter(identity -> identity.authority().isPresent())
          .ifPresent(
              identity ->
                  options
                      .setSsl(true)
                      .setClientAuth(ClientAuth.REQUIRED)
                      .setKeyCertOptions(
                          new PemKeyCertOptions()
                              .addCertValue(Buffer.buffer(identity.certificateChainPem()))
                              .addKeyValue(Buffer.buffer(identity.keyPem())))
                      .setTrustOptions(
                          new PemTrustOptions()
                              .addCertValue(
                                  Buffer.buffer(
                                      Pem.certificate(identity.authority().orElseThrow())))));
      return options;
    }

    Config hazelcast() {
      Config config = ConfigUtil.loadConfig();
      config.setClusterName("patchwork");
      config.setProperty("hazelcast.phone.home.enabled", "false");
      config.setProperty("hazelcast.logging.type", "slf4j");
      // Leave quickly when a member dies, so another instance takes its ledgers over soon.
      config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
      config.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
      NetworkConfig network = config.getNetworkConfig();
      network.setPort(port).setPortAutoIncrement(false);
      network.setPublicAddress(host + ":" + port);
      network.getInterfaces().setEnabled(true).addInterface(host);
      JoinConfig join = network.getJoin();
      join.getMulticastConfig().setEnabled(false);
      join.getAutoDetectionConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(members);
      return config;
    }
  }

  /** The Hazelcast member attribute Vert.x keeps its cluster node id in. */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  private final Settings settings;
  private final Registry database;
  private final LedgerService ledgers;
  private final ApiTokens tokens;
  private final ApiVerticle.Backend backend;
  private final Vertx vertx;
  private final ApiVerticle api;
  private final int resumed;
  private final Optional<SatelliteOrderers> satellites;

  private Manager(
      Settings settings,
      Registry database,
      ApiVerticle.Backend backend,
      Vertx vertx,
      ApiVerticle api,
      int resumed,
      Optional<SatelliteOrderers> satellites) {
    this.satellites = satellites;
    this.settings = settings;
    this.database = database;
    this.ledgers = backend.ledgers();
    this.tokens = backend.tokens();
    this.backend = backend;
    this.vertx = vertx;
    this.api = api;
    this.resumed = resumed;
  }

  /**
   * The registry's database: embedded H2 under the data directory, or PostgreSQL through a HikariCP
   * pool whose metrics ({@code hikaricp_*}) join the service's.
   */
  private record Registry(DataSource dataSource, AutoCloseable pool) {
    static Registry open(Settings settings, Path data, MeterRegistry meters) throws SQLException {
      if (settings.postgresUrl().isEmpty()) {
        EmbeddedDatabase embedded = EmbeddedDatabase.open(data.resolve("registry/patchwork"));
        return new Registry(embedded.dataSource(), embedded::close);
      }
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(settings.postgresUrl().get());
      config.setPoolName("patchwork-registry");
      config.setMaximumPoolSize(REGISTRY_POOL_SIZE);
      config.setConnectionTimeout(Duration.ofSeconds(10).toMillis());
      config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
      try {
        HikariDataSource pool = new HikariDataSource(config);
        return new Registry(pool, pool::close);
      } catch (RuntimeException e) {
        throw new SQLException("the PostgreSQL registry cannot be reached: " + e.getMessage(), e);
      }
    }

    void close() {
      try {
        pool.close();
      } catch (Exception e) {
        log.warn("manager.registry_close_failed reason=\"{}\"", e.toString());
      }
    }
  }

  /** Connections the registry pool keeps at most: worker threads rarely need more at once. */
  private static final int REGISTRY_POOL_SIZE = 10;

  /** Opens the registry, brings back the ledgers that were ACTIVE, then starts the API. */
  public static Manager start(Settings settings)
      throws IOException, SQLException, CaException, InterruptedException {
    Path data = settings.dataDirectory().toAbsolutePath().normalize();
    Files.createDirectories(data);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // The JVM's own figures beside the ledgers': heap and its pools, threads, CPU, uptime.
    new JvmMemoryMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    new ClassLoaderMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    new UptimeMetrics().bindTo(meters);
    Registry database = Registry.open(settings, data, meters);
    DataSource dataSource = database.dataSource();
    LedgerService ledgers = null;
    Vertx vertx = null;
    Optional<SatelliteOrderers> satellites = Optional.empty();
    try {
      Optional<HazelcastClusterManager> cluster = Optional.empty();
      String instance = LedgerService.LOCAL;
      if (settings.cluster().isPresent()) {
        HazelcastClusterManager manager =
            new HazelcastClusterManager(settings.cluster().get().hazelcast());
        try {
          vertx =
              Vertx.builder()
                  .with(
                      new VertxOptions()
                          .setEventBusOptions(settings.cluster().get().eventBus(settings.tls())))
                  .withClusterManager(manager)
                  .buildClustered()
                  .toCompletionStage()
                  .toCompletableFuture()
                  .get(120, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
          throw new IOException("the manager cannot join its cluster: " + e.getMessage(), e);
        }
        cluster = Optional.of(manager);
        instance = manager.getNodeId();
      } else {
        vertx = Vertx.vertx();
      }
      CertificateAuthorities authorities =
          CertificateAuthorities.builder()
              .dataSource(dataSource)
              .keyDirectory(data.resolve("ca-keys"))
              .passphrase(settings.passphrase())
              .build();
      LedgerRegistry registry = new LedgerRegistry(dataSource);
      LedgerMetrics metrics = new LedgerMetrics(meters);
      OrdererPlacement placement = OrdererPlacement.LOCAL;
      Optional<ClusterPlacement> clustered = Optional.empty();
      if (cluster.isPresent()) {
        // Orderers this instance runs for ledgers other instances own, kept in its own directory:
        // named by its cluster address, which is its own even where instances share a disk.
        Cluster joined = settings.cluster().get();
        satellites =
            Optional.of(
                new SatelliteOrderers(
                    data.resolve("instances")
                        .resolve(joined.host() + "_" + joined.port())
                        .resolve("orderers"),
                    settings.nodes(),
                    Optional.of(settings.passphrase())));
        ClusterPlacement spread =
            new ClusterPlacement(
                vertx, cluster.get(), instance, satellites.get(), registry, metrics);
        spread.serve();
        placement = spread;
        clustered = Optional.of(spread);
      }
      ApiTokens tokens = new ApiTokens(dataSource, Clock.systemUTC());
      Path hostedAdminDirectory = data.resolve("hosted-admins");
      HostedAdmins hostedAdmins =
          new HostedAdmins(
              hostedAdminDirectory, new HostedKeys(hostedAdminDirectory, settings.passphrase()));
      tokens.ensureOperatorToken(data.resolve(OPERATOR_TOKEN_FILE));
      ledgers =
          new LedgerService(
              new EmbeddedLedgers(settings.nodes()).sealingKeysWith(settings.passphrase()),
              data,
              registry,
              authorities,
              metrics,
              instance,
              settings.certificates().lifetime(),
              placement,
              cluster.isPresent()
                  ? Optional.of(
                      new LedgerCustody(
                          registry,
                          authorities,
                          new PassphraseSeal(settings.passphrase(), new SecureRandom()),
                          hostedAdminDirectory,
                          instance))
                  : Optional.empty());
      LedgerService service = ledgers;
      clustered.ifPresent(spread -> spread.onAbandoned(service::dropLeftovers));
      int resumed;
      if (cluster.isPresent()) {
        // Ledgers of instances that are no longer in the cluster are this one's to run.
        Set<String> live = new HashSet<>(cluster.get().getNodes());
        String self = instance;
        resumed =
            ledgers.resume(
                owner ->
                    owner.isEmpty() || owner.get().equals(self) || !live.contains(owner.get()));
      } else {
        resumed = ledgers.resumeAfterRestart();
      }
      ApiVerticle api =
          new ApiVerticle(
              settings.host(),
              settings.port(),
              Optional.of(
                  new ApiVerticle.Backend(
                      ledgers,
                      tokens,
                      new MemberInvites(ledgers, tokens, hostedAdmins),
                      new LedgerGovernance(ledgers, tokens, hostedAdmins, Clock.systemUTC()),
                      new Settlement(ledgers, data, Clock.systemUTC()),
                      new Recertification(ledgers),
                      new CertificateLogins(ledgers, Clock.systemUTC()),
                      new CertificateInventory(
                          ledgers,
                          CertificateRenewals.window(
                                  settings.certificates().lifetime(),
                                  settings.certificates().renewBefore())
                              .dividedBy(2),
                          Clock.systemUTC()),
                      cluster.isPresent())),
              settings.tls());
      ApiVerticle.Backend backend = api.backend().orElseThrow();
      try {
        vertx
            .deployVerticle(api)
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
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
      log.info("manager.started url={} ledgers_resumed={}", url(settings, api.port()), resumed);
      registry.announce(instance, url(settings, api.port()));
      LedgerService reminded = ledgers;
      CertificateRenewals renewals =
          new CertificateRenewals(
              ledgers,
              hostedAdmins,
              settings.certificates().lifetime(),
              settings.certificates().renewBefore(),
              Clock.systemUTC());
      clustered.ifPresent(spread -> spread.onRenewalRequest(renewals::renewOrderer));
      Optional<ClusterPlacement> spreadOrderers = clustered;
      Vertx timers = vertx;
      // Often enough that a certificate is renewed well inside its renewal window.
      long every =
          Math.max(1_000, Math.min(LEDGER_CHECKS.toMillis(), renewals.window().toMillis() / 4));
      timers.setPeriodic(
          1_000,
          every,
          timer ->
              timers.executeBlocking(
                  () -> {
                    reminded.remindPastLifespan(Instant.now());
                    renewals.renewDue();
                    spreadOrderers.ifPresent(spread -> spread.renewSatellitesDue(renewals::due));
                    backend.certificates().refresh();
                    return null;
                  },
                  false));
      if (cluster.isPresent()) {
        followCluster(cluster.get(), vertx, ledgers);
        shareRevocations(vertx, tokens);
      }
      return new Manager(settings, database, backend, vertx, api, resumed, satellites);
    } catch (IOException | SQLException | CaException | InterruptedException | RuntimeException e) {
      if (vertx != null) {
        vertx.close().toCompletionStage().toCompletableFuture().join();
      }
      if (ledgers != null) {
        ledgers.close();
      }
      satellites.ifPresent(SatelliteOrderers::close);
      database.close();
      throw e;
    }
  }

  /** The event-bus address on which instances tell each other of revoked member tokens. */
  static final String TOKENS_REVOKED = "patchwork.tokens.revoked";

  /**
   * A member's tokens revoked on one instance stop working on every instance at once: the revoking
   * instance publishes the member, and each instance forgets what it cached of its tokens (the
   * registry, where the revocation is, answers the next request).
   */
  private static void shareRevocations(Vertx vertx, ApiTokens tokens) {
    vertx
        .eventBus()
        .<JsonObject>consumer(
            TOKENS_REVOKED,
            message -> {
              JsonObject member = message.body();
              tokens.forgetMember(member.getString("ledger"), member.getString("mspId"));
              log.info(
                  "access.revocation_received ledger={} msp={}",
                  member.getString("ledger"),
                  member.getString("mspId"));
            });
    tokens.onRevocation(
        (ledger, mspId) ->
            vertx
                .eventBus()
                .publish(
                    TOKENS_REVOKED, new JsonObject().put("ledger", ledger).put("mspId", mspId)));
  }

  /** When another instance leaves the cluster, claims and runs the ledgers it ran. */
  private static void followCluster(
      HazelcastClusterManager cluster, Vertx vertx, LedgerService ledgers) {
    cluster
        .getHazelcastInstance()
        .getCluster()
        .addMembershipListener(
            new MembershipListener() {
              @Override
              public void memberAdded(MembershipEvent event) {
                log.info(
                    "manager.instance_joined instance={}",
                    event.getMember().getAttribute(VERTX_NODE_ID));
              }

              @Override
              public void memberRemoved(MembershipEvent event) {
                // Vert.x names its nodes in a member attribute, not by the member's UUID.
                String gone = event.getMember().getAttribute(VERTX_NODE_ID);
                if (gone == null) {
                  return;
                }
                log.warn("manager.instance_left instance={}; taking over its ledgers", gone);
                vertx
                    .executeBlocking(() -> ledgers.resume(owner -> owner.equals(Optional.of(gone))))
                    .onSuccess(
                        count ->
                            log.info("manager.ledgers_taken_over from={} count={}", gone, count))
                    .onFailure(
                        failure ->
                            log.error(
                                "manager.takeover_failed from={} reason=\"{}\"",
                                gone,
                                failure.toString()));
              }
            });
  }

  /** The API's base URL: https whenever it has a TLS identity. */
  public String url() {
    return url(settings, api.port());
  }

  private static String url(Settings settings, int port) {
    return (settings.tls().isPresent() ? "https://" : "http://") + settings.host() + ":" + port;
  }

  /** Whether {@code host} is a loopback address (or the name localhost). */
  static boolean isLoopback(String host) {
    return NodeAddresses.certifiedIps(host).stream().anyMatch(InetAddress::isLoopbackAddress)
        || host.equals("localhost");
  }

  /** The API's HTTPS identity, if it serves HTTPS. */
  public Optional<ApiTls> tls() {
    return settings.tls();
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

  /** Member invites, as the API's routes use them. */
  public MemberInvites invites() {
    return backend.invites();
  }

  /** Proposals and ballots, as the API's routes use them. */
  public LedgerGovernance governance() {
    return backend.governance();
  }

  /** The paths the API serves, in OpenAPI form. */
  public Set<String> apiPaths() {
    return api.paths();
  }

  /** How many ledgers were brought back from disk when this instance started. */
  public int resumed() {
    return resumed;
  }

  @Override
  public void close() {
    // The API stops taking requests, the ledgers stop, and only then does the instance leave its
    // cluster: another instance takes its ledgers over once their files are free.
    try {
      api.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("manager.api_stop_failed reason=\"{}\"", e.toString());
    }
    ledgers.close();
    satellites.ifPresent(SatelliteOrderers::close);
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("manager.vertx_stop_failed reason=\"{}\"", e.toString());
    }
    database.close();
    log.info("manager.stopped");
  }
}
