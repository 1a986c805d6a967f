package io.patchwork.manager.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.patchwork.manager.access.Principal;
import io.patchwork.manager.ledger.LedgerRecord;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.NodeRole;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /events/ledgers}: the ledgers the caller may see, as server-sent events, once a second
 * — status, members, nodes with their heights, the Raft leader, how far the slowest peer lags and
 * the transactions committed per second — for the console's live dashboard. The stream's work runs
 * on a worker thread, one tick at a time per stream; a tick still running when the next is due is
 * skipped, so a slow registry never piles up work.
 */
final class LedgerEvents {
  private static final Logger log = LoggerFactory.getLogger(LedgerEvents.class);

  /** How often a stream gets the ledgers. */
  static final long PERIOD_MILLIS = 1_000;

  private final Vertx vertx;
  private final LedgerService service;

  LedgerEvents(Vertx vertx, LedgerService service) {
    this.vertx = vertx;
    this.service = service;
  }

  void stream(RoutingContext ctx) {
    Principal caller = Authentication.principal(ctx);
    HttpServerResponse response = ctx.response();
    response
        .setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-store");
    response.write("retry: 2000\n\n");
    Map<String, Rate> rates = new HashMap<>();
    AtomicBoolean busy = new AtomicBoolean();
    long timer =
        vertx.setPeriodic(
            0,
            PERIOD_MILLIS,
            tick -> {
              if (!busy.compareAndSet(false, true)) {
                return;
              }
              vertx
                  .executeBlocking(() -> ledgers(caller, rates), false)
                  .onComplete(
                      done -> {
                        busy.set(false);
                        if (response.closed() || response.ended()) {
                          return;
                        }
                        if (done.succeeded()) {
                          response.write(
                              "event: ledgers\ndata: "
                                  + new JsonObject().put("ledgers", done.result()).encode()
                                  + "\n\n");
                        } else {
                          log.warn("api.events_failed reason=\"{}\"", done.cause().getMessage());
                        }
                      });
            });
    response.closeHandler(closed -> vertx.cancelTimer(timer));
    ctx.request().connection().closeHandler(closed -> vertx.cancelTimer(timer));
  }

  private JsonArray ledgers(Principal caller, Map<String, Rate> rates) throws Exception {
    JsonArray list = new JsonArray();
    for (LedgerRecord record : service.registry().list()) {
      if (!caller.maySee(record.id())) {
        continue;
      }
      JsonObject json = LedgerRoutes.summary(record).put("parties", record.parties().size());
      Optional<HostedLedger> running = service.running(record.id());
      running.ifPresent(ledger -> live(json, ledger, rates));
      list.add(json);
    }
    return list;
  }

  private void live(JsonObject json, HostedLedger ledger, Map<String, Rate> rates) {
    long height = ledger.height();
    long lag = 0;
    int orderers = 0;
    int peers = 0;
    String leader = null;
    for (HostedNode node : ledger.nodes()) {
      if (node.role() == NodeRole.ORDERER) {
        orderers++;
        if (node.isLeader()) {
          leader = node.nodeId();
        }
      } else {
        peers++;
        lag = Math.max(lag, height - node.height());
      }
    }
    json.put("height", height).put("orderers", orderers).put("peers", peers).put("peerLag", lag);
    if (leader != null) {
      json.put("leader", leader);
    }
    if (!ledger.peers().isEmpty()) {
      // The config in force is read from a peer: only an instance that runs peers knows it.
      json.put("members", ledger.config().getMembersCount());
      String peer = ledger.peers().get(0).nodeId();
      Rate rate = rates.computeIfAbsent(ledger.ledgerId(), id -> new Rate());
      json.put("txPerSecond", rate.next(committed(ledger.ledgerId(), peer)));
    }
  }

  /** Transactions a peer committed as valid, as the Prometheus counter tells. */
  private double committed(String ledgerId, String peerId) {
    MeterRegistry registry = service.metrics().registry();
    Counter counter =
        registry
            .find("patchwork.transactions.committed")
            .tags("ledger", ledgerId, "node", peerId, "outcome", "valid")
            .counter();
    return counter == null ? 0 : counter.count();
  }

  /** Per second, from one reading of a growing count to the next. */
  private static final class Rate {
    private double count = Double.NaN;
    private long nanos;

    double next(double now) {
      long at = System.nanoTime();
      double rate =
          Double.isNaN(count) || at == nanos ? 0 : Math.max(0, now - count) * 1e9 / (at - nanos);
      count = now;
      nanos = at;
      return Math.round(rate * 10) / 10.0;
    }
  }
}
