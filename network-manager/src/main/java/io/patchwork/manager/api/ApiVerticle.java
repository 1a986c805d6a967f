package io.patchwork.manager.api;

import io.patchwork.ca.CaException;
import io.patchwork.manager.access.ApiTokens;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.manager.ledger.CertificateInventory;
import io.patchwork.manager.ledger.CertificateLogins;
import io.patchwork.manager.ledger.LedgerGovernance;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.manager.ledger.MemberInvites;
import io.patchwork.manager.ledger.Recertification;
import io.patchwork.manager.ledger.Settlement;
import io.patchwork.templates.LedgerTemplate;
import io.patchwork.templates.TemplateException;
import io.patchwork.templates.Templates;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network manager's HTTP API: health and readiness, the OpenAPI document, and the ledger
 * templates. Its start completes only once the server is bound; handlers never block the event
 * loop. Errors are JSON objects {@code {"code": ..., "message": ...}} with a specific 4xx status.
 */
public final class ApiVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ApiVerticle.class);

  /** Largest request body taken; larger ones get 413. */
  public static final long MAX_BODY_BYTES = 256 * 1024;

  /** The body limit of {@code POST /ledgers}, which may carry a Fabric channel's blocks. */
  public static final long MAX_LEDGER_BODY_BYTES = 64L * 1024 * 1024;

  private final String host;
  private final int requestedPort;
  private final Optional<ApiTls> tls;
  private final Optional<Backend> backend;
  private final AtomicBoolean ready = new AtomicBoolean();
  private final String openApi;
  private final Map<String, LedgerTemplate> templates;
  private HttpServer server;
  private Router router;

  /** An API on {@code host:port}; port 0 takes a free one ({@link #port()} tells which). */
  public ApiVerticle(String host, int port) {
    this(host, port, Optional.empty());
  }

  /**
   * What the ledger routes work with: the ledgers, the API tokens callers authenticate with, and
   * member invites.
   */
  public record Backend(
      LedgerService ledgers,
      ApiTokens tokens,
      MemberInvites invites,
      LedgerGovernance governance,
      Settlement settlement,
      Recertification recertification,
      CertificateLogins certificateLogins,
      CertificateInventory certificates,
      boolean clustered) {
    public Backend {
      Objects.requireNonNull(ledgers, "ledgers");
      Objects.requireNonNull(tokens, "tokens");
      Objects.requireNonNull(invites, "invites");
      Objects.requireNonNull(governance, "governance");
      Objects.requireNonNull(settlement, "settlement");
      Objects.requireNonNull(recertification, "recertification");
      Objects.requireNonNull(certificateLogins, "certificateLogins");
      Objects.requireNonNull(certificates, "certificates");
    }
  }

  /** An API that also creates and shows ledgers, for authenticated callers. */
  public ApiVerticle(String host, int port, Optional<Backend> backend) {
    this(host, port, backend, Optional.empty());
  }

  /** An API served over HTTPS with {@code tls} when given, plain HTTP otherwise. */
  public ApiVerticle(String host, int port, Optional<Backend> backend, Optional<ApiTls> tls) {
    this.host = Objects.requireNonNull(host, "host");
    this.tls = Objects.requireNonNull(tls, "tls");
    this.requestedPort = port;
    this.backend = Objects.requireNonNull(backend, "backend");
    this.openApi = resource("openapi.yaml");
    this.templates = builtInTemplates();
  }

  /** The built-in templates, parsed once: they are part of the jar and never change. */
  private static Map<String, LedgerTemplate> builtInTemplates() {
    Map<String, LedgerTemplate> templates = new LinkedHashMap<>();
    for (String name : Templates.BUILT_IN) {
      try {
        templates.put(name, Templates.builtIn(name));
      } catch (TemplateException e) {
        throw new IllegalStateException("built-in template " + name + " is invalid", e);
      }
    }
    return Map.copyOf(templates);
  }

  @Override
  public Future<?> start() {
    router = Router.router(vertx);
    ConsolePages.secureEveryResponse(router);
    RequestAudit.mount(router, backend.map(services -> services.ledgers().metrics().registry()));
    // A new ledger may bring a Fabric channel's blocks: a larger body, for that request alone.
    router.post("/ledgers").handler(BodyHandler.create().setBodyLimit(MAX_LEDGER_BODY_BYTES));
    router.route().handler(BodyHandler.create().setBodyLimit(MAX_BODY_BYTES));
    router.get("/health").handler(this::health);
    router.get("/ready").handler(this::ready);
    router.get("/openapi.yaml").handler(this::openApi);
    router.get("/templates").handler(this::templates);
    router.get("/templates/:name").handler(this::template);
    backend.ifPresent(
        services -> {
          LedgerService service = services.ledgers();
          LedgerRoutes routes = new LedgerRoutes(vertx, service, services.settlement());
          InviteRoutes invites = new InviteRoutes(vertx, services.invites());
          if (services.clustered()) {
            // Any instance serves the API: requests about another instance's ledger go there.
            Forwarding forwarding = new Forwarding(vertx, service, tls);
            router.route("/ledgers/:id").handler(forwarding);
            router.route("/ledgers/:id/*").handler(forwarding);
          }
          // Redeeming is how a member gets its first credentials: the invite token is its proof.
          router.post("/ledgers/:id/invites/redeem").handler(invites::redeem);
          router.post("/ledgers/:id/invites/preview").handler(invites::preview);
          Authentication authentication =
              new Authentication(
                  vertx,
                  services.tokens(),
                  services.certificateLogins(),
                  tls.flatMap(ApiTls::authority));
          router.route("/ledgers*").handler(authentication);
          router.route("/events/ledgers").handler(authentication);
          router.get("/events/ledgers").handler(new LedgerEvents(vertx, service)::stream);
          router.post("/ledgers").handler(routes::create);
          router.get("/ledgers").handler(routes::list);
          router.get("/ledgers/:id").handler(routes::show);
          router.post("/ledgers/:id/invites").handler(invites::create);
          router.get("/ledgers/:id/genesis").handler(routes::genesis);
          router.get("/ledgers/:id/connection-profile").handler(routes::connectionProfile);
          router.get("/ledgers/:id/snapshot").handler(routes::snapshot);
          SettlementRoutes settlement = new SettlementRoutes(vertx, services.settlement());
          router.post("/ledgers/:id/settle").handler(settlement::settle);
          router.get("/ledgers/:id/statement").handler(settlement::statement);
          router.get("/ledgers/:id/archive").handler(settlement::archive);
          router.get("/ledgers/:id/archive/verification").handler(settlement::archiveVerification);
          router.post("/ledgers/:id/successor").handler(routes::successor);
          router.get("/ledgers/:id/invites").handler(invites::list);
          router.delete("/ledgers/:id/invites/:invite").handler(invites::cancel);
          RecertificationRoutes recertification =
              new RecertificationRoutes(vertx, services.recertification());
          router.post("/ledgers/:id/peers").handler(recertification::hostPeer);
          router.get("/ledgers/:id/recertification").handler(recertification::requests);
          router.post("/ledgers/:id/recertification").handler(recertification::install);
          GovernanceRoutes governance = new GovernanceRoutes(vertx, services.governance());
          router.post("/ledgers/:id/proposals").handler(governance::propose);
          router.post("/ledgers/:id/proposal-drafts").handler(governance::draft);
          router.get("/ledgers/:id/proposals").handler(governance::list);
          router.get("/ledgers/:id/crl").handler(governance::crl);
          router.get("/ledgers/:id/revocation-crl").handler(governance::revocationCrl);
          CertificateRoutes certificates = new CertificateRoutes(vertx, services.certificates());
          router.get("/ledgers/:id/certificates").handler(certificates::list);
          router.post("/ledgers/:id/certificates/:serial/renewal").handler(certificates::renew);
          router
              .get("/ledgers/:id/certificates/:serial/revocation")
              .handler(governance::ownRevocationUpdate);
          router
              .post("/ledgers/:id/certificates/:serial/revocation")
              .handler(governance::revokeOwn);
          router.get("/ledgers/:id/members/:mspId/removal-crl").handler(governance::removalCrl);
          router.get("/ledgers/:id/proposals/:proposal").handler(governance::show);
          router.post("/ledgers/:id/proposals/:proposal/ballots").handler(governance::vote);
          if (service.metrics().registry()
              instanceof io.micrometer.prometheusmetrics.PrometheusMeterRegistry prometheus) {
            router
                .get("/metrics")
                .handler(
                    ctx ->
                        ctx.response()
                            .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                            .end(prometheus.scrape()));
          }
        });
    ConsolePages.serve(router);
    router.errorHandler(
        404, ctx -> error(ctx, ApiError.NOT_FOUND, "no such resource: " + ctx.request().path()));
    router.errorHandler(
        405,
        ctx ->
            error(
                ctx,
                ApiError.METHOD_NOT_ALLOWED,
                ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(
        413,
        ctx ->
            error(
                ctx,
                ApiError.BODY_TOO_LARGE,
                "request bodies are limited to "
                    + (ctx.request().method() == HttpMethod.POST
                            && ctx.request().path().equals("/ledgers")
                        ? MAX_LEDGER_BODY_BYTES
                        : MAX_BODY_BYTES)
                    + " bytes"));
    router.errorHandler(
        500,
        ctx -> {
          log.error(
              "api.request_failed method={} path={}",
              ctx.request().method(),
              ctx.request().path(),
              ctx.failure());
          error(ctx, ApiError.INTERNAL, "the request failed on the server; see its log");
        });
    // Plain HTTP is HTTP/1.1 only. Java's HttpClient asks every plain-HTTP server to upgrade to
    // HTTP/2 (h2c); after such an upgrade, a second connection's response of more than one frame
    // (16 KiB, the OpenAPI document, a large ledger view) was seen to never complete.
    HttpServerOptions options = new HttpServerOptions().setHttp2ClearTextEnabled(false);
    tls.ifPresent(
        identity ->
            options
                .setSsl(true)
                // Members may authenticate with their admin certificate instead of a token: the
                // handshake asks for one and proves its key; each request checks it against its
                // ledger's authority (Authentication), so the handshake takes any certificate.
                .setClientAuth(ClientAuth.REQUEST)
                .setTrustOptions(TrustOptions.wrap(ClientCertificates.CHECKED_PER_REQUEST))
                .setKeyCertOptions(
                    new PemKeyCertOptions()
                        .addCertValue(Buffer.buffer(identity.certificateChainPem()))
                        .addKeyValue(Buffer.buffer(identity.keyPem()))));
    return vertx
        .createHttpServer(options)
        .requestHandler(router)
        .listen(requestedPort, host)
        .onSuccess(
            bound -> {
              server = bound;
              ready.set(true);
              log.info(
                  "api.listening host={} port={} https={}",
                  host,
                  bound.actualPort(),
                  tls.isPresent());
            });
  }

  @Override
  public Future<?> stop() {
    ready.set(false);
    return server == null ? Future.succeededFuture() : server.close();
  }

  /**
   * The paths this API serves, in OpenAPI form ({@code /ledgers/{id}}), once started; the console's
   * pages and assets are not API paths.
   */
  public Set<String> paths() {
    Set<String> paths = new TreeSet<>();
    router
        .getRoutes()
        .forEach(
            route -> {
              if (route.getPath() != null && route.isExactPath()) {
                paths.add(route.getPath().replaceAll(":([A-Za-z]+)", "{$1}"));
              }
            });
    return paths;
  }

  /** What the ledger routes work with, if this API serves them. */
  public Optional<Backend> backend() {
    return backend;
  }

  /** The port the server is bound to, once started. */
  public int port() {
    if (server == null) {
      throw new IllegalStateException("the API is not started");
    }
    return server.actualPort();
  }

  private void health(RoutingContext ctx) {
    ctx.json(new JsonObject().put("status", "UP"));
  }

  private void ready(RoutingContext ctx) {
    if (ready.get()) {
      ctx.json(new JsonObject().put("status", "READY"));
    } else {
      error(ctx, ApiError.NOT_READY, "the service is starting or stopping");
    }
  }

  private void openApi(RoutingContext ctx) {
    ctx.response().putHeader("content-type", "application/yaml").end(openApi);
  }

  private void templates(RoutingContext ctx) {
    JsonArray list = new JsonArray();
    for (String name : Templates.BUILT_IN) {
      LedgerTemplate template = templates.get(name);
      list.add(
          new JsonObject()
              .put("name", template.name())
              .put("description", template.description())
              .put("minParties", template.parties().min())
              .put("maxParties", template.parties().max()));
    }
    ctx.json(new JsonObject().put("templates", list));
  }

  private void template(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    LedgerTemplate template = templates.get(name);
    if (template == null) {
      error(ctx, ApiError.TEMPLATE_NOT_FOUND, "no template '" + name + "'; see GET /templates");
      return;
    }
    ctx.json(TemplateJson.of(template));
  }

  /**
   * As {@link #fail}, with the certificate authority's refusals ({@link CaException}) answered with
   * their own codes, for routes whose work the authority may refuse.
   */
  static void failWithAuthority(RoutingContext ctx, Throwable failure) {
    if (failure instanceof CaException refused) {
      error(ctx, ApiError.of(refused.error()), refused.getMessage());
    } else {
      fail(ctx, failure);
    }
  }

  /** Answers a {@link Refusal} with its status and code; anything else is a server error. */
  static void fail(RoutingContext ctx, Throwable failure) {
    if (failure instanceof Refusal refused) {
      refuse(ctx, refused);
    } else {
      ctx.fail(failure);
    }
  }

  /** Answers {@code error} with its status, and the message. */
  static void error(RoutingContext ctx, ApiError error, String message) {
    refuse(ctx, new Refusal(error, message));
  }

  /**
   * The one place a refusal becomes a response: {@code {"code", "message"}} with the code's HTTP
   * status, and {@code "errors": [{"path", "message"}]} when it is about fields of the request.
   */
  static void refuse(RoutingContext ctx, Refusal refused) {
    if (ctx.response().ended()) {
      return;
    }
    JsonObject body =
        new JsonObject().put("code", refused.code()).put("message", refused.getMessage());
    if (!refused.problems().isEmpty()) {
      JsonArray errors = new JsonArray();
      refused
          .problems()
          .forEach(
              p -> errors.add(new JsonObject().put("path", p.path()).put("message", p.message())));
      body.put("errors", errors);
    }
    ctx.response()
        .setStatusCode(refused.status())
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }

  private static String resource(String name) {
    try (InputStream in = ApiVerticle.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(name + " cannot be read", e);
    }
  }
}
