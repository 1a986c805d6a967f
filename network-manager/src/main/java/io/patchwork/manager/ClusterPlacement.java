package io.patchwork.manager;

import io.patchwork.ca.Pem;
import io.patchwork.manager.ledger.CertificateRenewals;
import io.patchwork.manager.ledger.LedgerMetrics;
import io.patchwork.manager.ledger.LedgerRegistry;
import io.patchwork.manager.ledger.LedgerStatus;
import io.patchwork.manager.ledger.OrdererPlacement;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.LedgerError;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.NodeCertificates;
import io.patchwork.node.api.OrdererHandover;
import io.patchwork.node.api.OrdererSlot;
import io.patchwork.node.api.RemoteOrderers;
import io.patchwork.node.host.SatelliteOrderers;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.hyperledger.fabric.protos.common.Block;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orderers of a ledger spread over the cluster's instances: orderer {@code i} runs on the
 * {@code i}-th instance of the creating instance followed by the others in id order (so with as
 * many instances as orderers, each runs one). The creating instance asks each other one over the
 * event bus — mutual TLS between instances — for a slot, puts the slots into the genesis config,
 * then hands each orderer its credentials; that instance keeps them and the orderer's data in its
 * own data directory ({@link SatelliteOrderers}) and records the placement in the registry. The
 * creating instance runs its own orderers the same way, apart from the ledger's peers, so that
 * every orderer stays on its instance whichever instance runs the peers. An instance that does not
 * answer a slot request is passed over: the creating instance runs that orderer too.
 */
final class ClusterPlacement implements OrdererPlacement {
  private static final Logger log = LoggerFactory.getLogger(ClusterPlacement.class);
  static final String RESERVE = "patchwork.orderers.reserve.";
  static final String START = "patchwork.orderers.start.";
  static final String NODES = "patchwork.orderers.nodes.";
  static final String ABANDON = "patchwork.orderers.abandon";
  static final String RENEW = "patchwork.orderers.renew.";

  /** How long a renewal request waits for the ledger's instance. */
  private static final Duration RENEW_WAIT = Duration.ofSeconds(20);

  /** How long a slot request waits; an instance that does not answer in time is passed over. */
  private static final Duration SLOT_WAIT = Duration.ofSeconds(10);

  /** How long starting an orderer elsewhere may take (it binds two ports and opens its log). */
  private static final Duration START_WAIT = Duration.ofSeconds(60);

  /** How long the ledger view waits for another instance's orderer figures. */
  private static final Duration VIEW_WAIT = Duration.ofSeconds(2);

  private final Vertx vertx;
  private final HazelcastClusterManager cluster;
  private final String self;
  private final SatelliteOrderers satellites;
  private final LedgerRegistry registry;
  private final LedgerMetrics metrics;
  private volatile Consumer<String> abandonedHere = ledger -> {};
  private volatile OrdererRenewer renewer =
      (ledger, node, serials) -> {
        throw new IllegalStateException("this instance renews no certificates yet");
      };

  /** Renews an orderer's certificates with the ledger's authority, on the ledger's instance. */
  @FunctionalInterface
  interface OrdererRenewer {
    CertificateRenewals.OrdererRenewal renew(
        String ledgerId, String nodeId, List<BigInteger> serials) throws Exception;
  }

  ClusterPlacement(
      Vertx vertx,
      HazelcastClusterManager cluster,
      String self,
      SatelliteOrderers satellites,
      LedgerRegistry registry,
      LedgerMetrics metrics) {
    this.metrics = metrics;
    this.vertx = vertx;
    this.cluster = cluster;
    this.self = self;
    this.satellites = satellites;
    this.registry = registry;
  }

  /**
   * Starts again the orderers this instance kept for other instances' ledgers (deleting those of
   * ledgers no longer running), records where they run now, and answers other instances' requests.
   */
  void serve() throws IOException, SQLException {
    List<String> gone = new ArrayList<>();
    for (String ledger :
        satellites.resumeAll(
            id -> {
              try {
                boolean running =
                    registry
                        .get(id)
                        .map(
                            r ->
                                r.status() == LedgerStatus.ACTIVE
                                    || r.status() == LedgerStatus.CLOSING
                                    || r.status() == LedgerStatus.CLOSED)
                        .orElse(false);
                if (!running) {
                  gone.add(id);
                }
                return running;
              } catch (SQLException e) {
                // Kept, not deleted: the registry decides once it answers again.
                log.warn("placement.registry_unreadable ledger={} reason=\"{}\"", id, e.toString());
                return true;
              }
            })) {
      for (HostedNode node : satellites.nodes(ledger)) {
        registry.place(ledger, node.nodeId(), self, node.host() + ":" + node.port());
        metrics.watchOrderer(ledger, node);
      }
    }
    for (String ledger : gone) {
      registry.unplace(ledger, Optional.empty());
    }
    satellites.onRemoved(
        (ledger, node) -> {
          metrics.forgetNode(ledger, node);
          try {
            registry.unplace(ledger, Optional.of(node));
          } catch (SQLException e) {
            log.warn("placement.unrecorded ledger={} node={} reason=\"{}\"", ledger, node, e);
          }
        });
    var bus = vertx.eventBus();
    bus.<String>consumer(RESERVE + self, message -> message.reply(slotJson(satellites.reserve())));
    bus.<JsonObject>consumer(START + self, this::start);
    bus.<String>consumer(
        NODES + self,
        message -> {
          JsonArray nodes = new JsonArray();
          for (HostedNode node : satellites.nodes(message.body())) {
            nodes.add(
                new JsonObject()
                    .put("id", node.nodeId())
                    .put("height", node.height())
                    .put("leader", node.isLeader()));
          }
          message.reply(nodes);
        });
    bus.<JsonObject>consumer(RENEW + self, this::renewForOther);
    bus.<String>consumer(
        ABANDON,
        message ->
            vertx.executeBlocking(
                () -> {
                  String ledger = message.body();
                  List<HostedNode> abandoned = satellites.nodes(ledger);
                  satellites.abandon(ledger);
                  abandoned.forEach(node -> metrics.forgetNode(ledger, node.nodeId()));
                  abandonedHere.accept(ledger);
                  return null;
                },
                false));
  }

  /**
   * Runs {@code action} with a ledger's id on this instance when the ledger is abandoned (retired,
   * or its provisioning failed) — for what this instance kept of it besides orderers.
   */
  void onAbandoned(Consumer<String> action) {
    abandonedHere = Objects.requireNonNull(action, "action");
  }

  /** Answers renewal requests of the instances running this instance's ledgers' orderers. */
  void onRenewalRequest(OrdererRenewer renewer) {
    this.renewer = Objects.requireNonNull(renewer, "renewer");
  }

  /**
   * Renews the certificates of the orderers running here that {@code due} says are due: the
   * instance that runs their ledger (its owner, which holds the authority's key) renews them for
   * the same keys, and they are put in use here at once. An owner that does not answer is asked
   * again at the next round; the warning says so.
   */
  void renewSatellitesDue(Predicate<X509Certificate> due) {
    for (String ledgerId : satellites.ledgers()) {
      for (Map.Entry<String, NodeCertificates> node :
          satellites.certificates(ledgerId).entrySet()) {
        X509Certificate signing = node.getValue().signing();
        X509Certificate tls = node.getValue().tls();
        List<BigInteger> serials = new ArrayList<>();
        if (due.test(signing)) {
          serials.add(signing.getSerialNumber());
        }
        if (due.test(tls)) {
          serials.add(tls.getSerialNumber());
        }
        if (serials.isEmpty()) {
          continue;
        }
        String nodeId = node.getKey();
        try {
          CertificateRenewals.OrdererRenewal renewal = askOwner(ledgerId, nodeId, serials);
          Optional<X509Certificate> newSigning =
              Optional.ofNullable(renewal.renewed().get(signing.getSerialNumber()));
          Optional<X509Certificate> newTls =
              Optional.ofNullable(renewal.renewed().get(tls.getSerialNumber()));
          if (newSigning.isPresent() || newTls.isPresent()) {
            satellites.renewCertificates(
                ledgerId, nodeId, newSigning, newTls, renewal.authorityChain());
          }
        } catch (Exception e) {
          log.warn(
              "placement.orderer_renewal_failed ledger={} node={} reason=\"{}\" hint=\"asked again"
                  + " in a few seconds; the ledger's instance must be up and hold its authority\"",
              ledgerId,
              nodeId,
              e.getMessage());
        }
      }
    }
  }

  private CertificateRenewals.OrdererRenewal askOwner(
      String ledgerId, String nodeId, List<BigInteger> serials) throws Exception {
    Optional<String> owner = registry.owner(ledgerId);
    if (owner.isEmpty()) {
      throw new IllegalStateException("no instance runs ledger " + ledgerId + " now");
    }
    if (owner.get().equals(self)) {
      return renewer.renew(ledgerId, nodeId, serials);
    }
    JsonArray asked = new JsonArray();
    serials.forEach(serial -> asked.add(serial.toString(16)));
    JsonObject reply =
        await(
            vertx
                .eventBus()
                .<JsonObject>request(
                    RENEW + owner.get(),
                    new JsonObject()
                        .put("ledgerId", ledgerId)
                        .put("nodeId", nodeId)
                        .put("serials", asked),
                    within(RENEW_WAIT)),
            RENEW_WAIT);
    Map<BigInteger, X509Certificate> renewed = new HashMap<>();
    JsonObject certificates = reply.getJsonObject("renewed");
    for (String serial : certificates.fieldNames()) {
      renewed.put(
          new BigInteger(serial, 16), Pem.readCertificates(certificates.getString(serial)).get(0));
    }
    return new CertificateRenewals.OrdererRenewal(
        renewed, Pem.readCertificates(reply.getString("authorityChain")));
  }

  private void renewForOther(Message<JsonObject> message) {
    vertx
        .executeBlocking(
            () -> {
              JsonObject asked = message.body();
              List<BigInteger> serials = new ArrayList<>();
              asked
                  .getJsonArray("serials")
                  .forEach(serial -> serials.add(new BigInteger((String) serial, 16)));
              CertificateRenewals.OrdererRenewal renewal =
                  renewer.renew(asked.getString("ledgerId"), asked.getString("nodeId"), serials);
              JsonObject renewed = new JsonObject();
              renewal
                  .renewed()
                  .forEach((serial, c) -> renewed.put(serial.toString(16), Pem.certificate(c)));
              return new JsonObject()
                  .put("renewed", renewed)
                  .put("authorityChain", Pem.certificates(renewal.authorityChain()));
            },
            false)
        .onSuccess(message::reply)
        .onFailure(
            failure -> {
              log.warn("placement.renewal_refused reason=\"{}\"", failure.getMessage());
              message.fail(1, String.valueOf(failure.getMessage()));
            });
  }

  private void start(Message<JsonObject> message) {
    vertx
        .executeBlocking(() -> startHere(handover(message.body())).nodeId(), false)
        .onSuccess(message::reply)
        .onFailure(
            failure -> {
              log.warn("placement.orderer_not_started reason=\"{}\"", failure.getMessage());
              message.fail(1, failure.getMessage());
            });
  }

  /**
   * A slot among this instance's satellites, not inside the ledger: its orderers then stay where
   * they are when another instance takes the ledger's peers over.
   */
  private Optional<OrdererSlot> here(Map<OrdererSlot, String> instances) {
    OrdererSlot slot = satellites.reserve();
    instances.put(slot, self);
    return Optional.of(slot);
  }

  /** Starts a handed-over orderer among this instance's satellites and records where it runs. */
  private HostedNode startHere(OrdererHandover handover) throws LedgerException, SQLException {
    HostedNode node = satellites.start(handover);
    registry.place(handover.ledgerId(), node.nodeId(), self, node.host() + ":" + node.port());
    metrics.watchOrderer(handover.ledgerId(), node);
    return node;
  }

  @Override
  public RemoteOrderers place(String ledgerId, int orderers) {
    List<String> ring = new ArrayList<>();
    ring.add(self);
    cluster.getNodes().stream().filter(id -> !id.equals(self)).sorted().forEach(ring::add);
    if (ring.size() == 1) {
      return RemoteOrderers.NONE;
    }
    Map<Integer, Optional<OrdererSlot>> slots = new HashMap<>();
    Map<OrdererSlot, String> instances = new HashMap<>();
    return new RemoteOrderers() {
      @Override
      public Optional<OrdererSlot> slot(int index) {
        return slots.computeIfAbsent(
            index,
            i -> {
              String target = ring.get(i % ring.size());
              if (target.equals(self)) {
                return here(instances);
              }
              try {
                JsonObject slot =
                    await(
                        vertx
                            .eventBus()
                            .<JsonObject>request(RESERVE + target, ledgerId, within(SLOT_WAIT)),
                        SLOT_WAIT);
                OrdererSlot reserved =
                    new OrdererSlot(
                        slot.getString("host"),
                        slot.getInteger("port"),
                        slot.getInteger("raftPort"));
                instances.put(reserved, target);
                return Optional.of(reserved);
              } catch (LedgerException e) {
                log.warn(
                    "placement.instance_passed_over ledger={} orderer={} instance={} reason=\"{}\";"
                        + " this instance runs it",
                    ledgerId,
                    i,
                    target,
                    e.getMessage());
                return here(instances);
              }
            });
      }

      @Override
      public void start(OrdererHandover handover) throws LedgerException {
        String target = instances.get(handover.slot());
        if (target == null) {
          throw new IllegalStateException("no instance reserved " + handover.slot());
        }
        if (target.equals(self)) {
          try {
            startHere(handover);
          } catch (SQLException e) {
            throw new LedgerException(
                LedgerError.NODE_FAILED, "the orderer's placement was not recorded: " + e, e);
          }
          return;
        }
        await(
            vertx.eventBus().request(START + target, handoverJson(handover), within(START_WAIT)),
            START_WAIT);
        log.info(
            "placement.orderer_placed ledger={} node={} instance={} endpoint={}:{}",
            ledgerId,
            handover.nodeId(),
            target,
            handover.slot().host(),
            handover.slot().port());
      }
    };
  }

  @Override
  public List<PlacedNode> elsewhere(String ledgerId) {
    List<PlacedNode> placed = new ArrayList<>();
    List<LedgerRegistry.Placement> placements;
    try {
      placements = registry.placements(ledgerId);
    } catch (SQLException e) {
      log.warn("placement.registry_unreadable ledger={} reason=\"{}\"", ledgerId, e.toString());
      return placed;
    }
    Map<String, Map<String, JsonObject>> figures = new HashMap<>();
    Set<String> live = Set.copyOf(cluster.getNodes());
    for (LedgerRegistry.Placement placement : placements) {
      Map<String, JsonObject> reported =
          figures.computeIfAbsent(
              placement.instance(), instance -> figures(instance, ledgerId, live));
      Optional<JsonObject> node = Optional.ofNullable(reported.get(placement.nodeId()));
      placed.add(
          new PlacedNode(
              placement.nodeId(),
              placement.instance(),
              placement.endpoint(),
              node.map(n -> n.getLong("height")),
              node.map(n -> n.getBoolean("leader"))));
    }
    return placed;
  }

  private Map<String, JsonObject> figures(String instance, String ledgerId, Set<String> live) {
    Map<String, JsonObject> byNode = new HashMap<>();
    if (instance.equals(self)) {
      for (HostedNode node : satellites.nodes(ledgerId)) {
        byNode.put(
            node.nodeId(),
            new JsonObject().put("height", node.height()).put("leader", node.isLeader()));
      }
      return byNode;
    }
    if (!live.contains(instance)) {
      return byNode;
    }
    try {
      JsonArray nodes =
          await(
              vertx.eventBus().<JsonArray>request(NODES + instance, ledgerId, within(VIEW_WAIT)),
              VIEW_WAIT);
      nodes.forEach(n -> byNode.put(((JsonObject) n).getString("id"), (JsonObject) n));
    } catch (LedgerException e) {
      log.debug("placement.figures_unavailable instance={} reason=\"{}\"", instance, e);
    }
    return byNode;
  }

  @Override
  public void abandon(String ledgerId) {
    vertx.eventBus().publish(ABANDON, ledgerId);
    try {
      registry.unplace(ledgerId, Optional.empty());
    } catch (SQLException e) {
      log.warn("placement.unrecorded ledger={} reason=\"{}\"", ledgerId, e.toString());
    }
  }

  private static DeliveryOptions within(Duration timeout) {
    return new DeliveryOptions().setSendTimeout(timeout.toMillis());
  }

  private static <T> T await(Future<Message<T>> reply, Duration timeout) throws LedgerException {
    try {
      return reply
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS)
          .body();
    } catch (ExecutionException e) {
      throw new LedgerException(
          LedgerError.NODE_FAILED, "another instance refused: " + e.getCause().getMessage(), e);
    } catch (TimeoutException e) {
      throw new LedgerException(
          LedgerError.NODE_FAILED, "another instance did not answer within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LedgerException(LedgerError.NODE_FAILED, "interrupted", e);
    }
  }

  private static JsonObject slotJson(OrdererSlot slot) {
    return new JsonObject()
        .put("host", slot.host())
        .put("port", slot.port())
        .put("raftPort", slot.raftPort());
  }

  /** The handover as it travels on the event bus (mutual TLS between instances only). */
  static JsonObject handoverJson(OrdererHandover handover) {
    return new JsonObject()
        .put("ledgerId", handover.ledgerId())
        .put("nodeId", handover.nodeId())
        .put("mspId", handover.mspId())
        .put("slot", slotJson(handover.slot()))
        .put("genesis", Base64.getEncoder().encodeToString(handover.genesis().toByteArray()))
        .put("signingCertificate", Pem.certificate(handover.signingCertificate()))
        .put("signingKey", Pem.privateKey(handover.signingKey()))
        .put("tlsChain", Pem.certificates(handover.tlsChain()))
        .put("tlsKey", Pem.privateKey(handover.tlsKey()))
        .put("authorityChain", Pem.certificates(handover.authorityChain()));
  }

  static OrdererHandover handover(JsonObject json) throws LedgerException {
    try {
      JsonObject slot = json.getJsonObject("slot");
      return new OrdererHandover(
          json.getString("ledgerId"),
          json.getString("nodeId"),
          json.getString("mspId"),
          new OrdererSlot(
              slot.getString("host"), slot.getInteger("port"), slot.getInteger("raftPort")),
          Block.parseFrom(Base64.getDecoder().decode(json.getString("genesis"))),
          Pem.readCertificates(json.getString("signingCertificate")).get(0),
          Pem.readPrivateKey(json.getString("signingKey")),
          Pem.readCertificates(json.getString("tlsChain")),
          Pem.readPrivateKey(json.getString("tlsKey")),
          Pem.readCertificates(json.getString("authorityChain")));
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      throw new LedgerException(
          LedgerError.INVALID_PLAN, "the orderer handover cannot be read: " + e.getMessage(), e);
    }
  }
}
