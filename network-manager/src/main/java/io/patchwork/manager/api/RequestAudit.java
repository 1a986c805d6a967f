package io.patchwork.manager.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.patchwork.manager.access.Principal;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One audit line per API request once its response ended — method, path, the route it matched,
 * status, milliseconds and who called (the token's public id, never the token) — and the same as
 * the {@code patchwork_http_requests_seconds} timer, tagged by method, route template and status
 * (never the raw path, whose ids would make a series per ledger and invite).
 */
final class RequestAudit {
  private static final Logger log = LoggerFactory.getLogger(RequestAudit.class);

  private final Optional<MeterRegistry> meters;

  private RequestAudit(Optional<MeterRegistry> meters) {
    this.meters = meters;
  }

  /** Audits every request; mount before any other route. */
  static void mount(Router router, Optional<MeterRegistry> meters) {
    router.route().handler(new RequestAudit(meters)::handle);
  }

  private void handle(RoutingContext ctx) {
    long started = System.nanoTime();
    ctx.addEndHandler(
        ended -> {
          long nanos = System.nanoTime() - started;
          int status = ctx.response().getStatusCode();
          Route route = ctx.currentRoute();
          String template =
              route == null || route.getPath() == null ? "unmatched" : route.getPath();
          Principal caller = Authentication.principal(ctx);
          log.atInfo()
              .setMessage("api request answered")
              .addKeyValue("event", "api.request")
              .addKeyValue("method", ctx.request().method().name())
              .addKeyValue("path", ctx.request().path())
              .addKeyValue("route", template)
              .addKeyValue("status", status)
              .addKeyValue("millis", nanos / 1_000_000)
              .addKeyValue("caller", caller == null ? "anonymous" : caller.describe())
              .addKeyValue("completed", ended.succeeded())
              .log();
          meters.ifPresent(
              registry ->
                  Timer.builder("patchwork.http.requests")
                      .description("API requests by method, route and status, until answered")
                      .tags(
                          "method",
                          ctx.request().method().name(),
                          "route",
                          template,
                          "status",
                          Integer.toString(status))
                      .register(registry)
                      .record(Duration.ofNanos(nanos)));
        });
    ctx.next();
  }
}
