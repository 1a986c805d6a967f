package io.patchwork.benchmarks.manager;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.Gauge;
import io.patchwork.benchmarks.ledger.Clients;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Role;
import io.patchwork.manager.CertificatePolicy;
import io.patchwork.manager.Manager;
import io.patchwork.manager.ledger.CertificateInventory;
import io.patchwork.manager.ledger.LedgerRecord;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Gateway;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A ledger whose certificates last minutes, run for several of their lifetimes under a steady
 * closed-loop load from the official Fabric Gateway client: how many times the manager renewed each
 * node certificate (orderers included), whether any transaction failed, and — for a member client
 * certificate nobody renews — when the expiry warning and gauge showed it, and how the ledger
 * refuses it once it has expired.
 */
@Command(
    name = "certificate-lifecycle",
    mixinStandardHelpOptions = true,
    description = "Short-lived certificates renewed under load; a member's left to expire.")
public final class CertificateLifecycle implements Callable<Integer> {
  @Option(names = "--lifetime", defaultValue = "PT3M", description = "Certificate lifetime.")
  Duration lifetime;

  @Option(names = "--duration", defaultValue = "PT10M", description = "How long the load runs.")
  Duration duration;

  @Option(names = "--workers", defaultValue = "8", description = "Closed-loop clients.")
  int workers;

  @Option(names = "--orderers", defaultValue = "3", description = "Orderers (1, 3, 5 or 7).")
  int orderers;

  public static void main(String[] args) {
    System.exit(new CommandLine(new CertificateLifecycle()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path directory = Files.createTempDirectory("patchwork-certificate-lifecycle-");
    Manager.Settings settings =
        new Manager.Settings(
                directory,
                "127.0.0.1",
                0,
                Optional.empty(),
                Passphrase.of("benchmark passphrase".toCharArray()))
            .withCertificates(new CertificatePolicy(lifetime, Duration.ofDays(30)));
    try (Manager manager = Manager.start(settings)) {
      LedgerService service = manager.ledgers();
      List<LedgerRecord.Party> parties = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        parties.add(new LedgerRecord.Party("Org " + i, Clients.mspId(i)));
      }
      LedgerRecord record =
          service.accept(
              new LedgerService.Request(
                  "brief",
                  "payments-netting",
                  parties,
                  Map.of("topology.orderers", String.valueOf(orderers))));
      service.provision(record);
      HostedLedger ledger = service.running("brief").orElseThrow();
      CertificateAuthority authority = service.authority("brief");

      // The application's identity lasts the run; the forgetful member's lasts one lifetime.
      IssuedCredential signing =
          authority.issueWithNewKey(
              CertificateRequest.signing("app", Role.CLIENT, "Org 0", Clients.mspId(0))
                  .withLifetime(duration.multipliedBy(2)));
      IssuedCredential tls =
          authority.issueWithNewKey(
              CertificateRequest.tls(
                      "app",
                      Role.CLIENT,
                      "Org 0",
                      Clients.mspId(0),
                      List.of(),
                      List.of(InetAddress.getLoopbackAddress()))
                  .withLifetime(duration.multipliedBy(2)));
      IssuedCredential forgetful = Clients.signing(authority, 1, "forgetful", Role.CLIENT);
      IssuedCredential forgetfulTls =
          authority.issueWithNewKey(
              CertificateRequest.tls(
                      "forgetful",
                      Role.CLIENT,
                      "Org 1",
                      Clients.mspId(1),
                      List.of(),
                      List.of(InetAddress.getLoopbackAddress()))
                  .withLifetime(duration.multipliedBy(2)));
      Instant forgetfulExpires = forgetful.certificate().notAfter();
      String forgetfulSerial = forgetful.certificate().serialHex();

      HostedNode peer0 = ledger.peerOf(Clients.mspId(0)).orElseThrow();
      HostedNode peer1 = ledger.peerOf(Clients.mspId(1)).orElseThrow();
      ManagedChannel channel = Clients.channel(ledger, tls, peer0);
      ManagedChannel forgetfulChannel = Clients.channel(ledger, forgetfulTls, peer1);
      Gateway gateway = Clients.gateway(Clients.mspId(0), signing, channel);
      Gateway forgetfulGateway = Clients.gateway(Clients.mspId(1), forgetful, forgetfulChannel);
      Contract obligations = gateway.getNetwork("brief").getContract("obligations");
      Contract forgetfulObligations =
          forgetfulGateway.getNetwork("brief").getContract("obligations");

      ConcurrentLinkedQueue<Outcomes.Outcome> outcomes = new ConcurrentLinkedQueue<>();
      AtomicLong sequence = new AtomicLong();
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      ExecutorService load = Executors.newFixedThreadPool(workers);
      for (int w = 0; w < workers; w++) {
        load.submit(
            () -> {
              while (System.nanoTime() < end) {
                outcomes.add(
                    Outcomes.record(
                        obligations,
                        "iou-" + sequence.incrementAndGet(),
                        Clients.mspId(0),
                        Clients.mspId(1),
                        System.nanoTime(),
                        System::nanoTime));
              }
              return null;
            });
      }
      // Watch the forgetful member's certificate: the gauge, the log's warning, the refusal.
      Optional<Instant> gaugedAt = Optional.empty();
      Optional<Double> gaugedSeconds = Optional.empty();
      Optional<Instant> warnedAt = Optional.empty();
      String beforeExpiry = "";
      String afterExpiry = "";
      // The manager's warnings, as its log has them.
      ConcurrentLinkedQueue<String> warnings = new ConcurrentLinkedQueue<>();
      Logger inventoryLog = (Logger) LoggerFactory.getLogger(CertificateInventory.class);
      AppenderBase<ILoggingEvent> watcher =
          new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
              warnings.add(event.getFormattedMessage());
            }
          };
      watcher.start();
      inventoryLog.addAppender(watcher);
      while (System.nanoTime() < end) {
        if (gaugedAt.isEmpty()) {
          Gauge gauge =
              service
                  .metrics()
                  .registry()
                  .find("patchwork.certificate.expiry")
                  .tag("serial", forgetfulSerial)
                  .gauge();
          if (gauge != null) {
            gaugedAt = Optional.of(Instant.now());
            gaugedSeconds = Optional.of(gauge.value());
          }
        }
        if (warnedAt.isEmpty()
            && warnings.stream()
                .anyMatch(
                    w -> w.startsWith("certificate.expiring") && w.contains(forgetfulSerial))) {
          warnedAt = Optional.of(Instant.now());
        }
        if (beforeExpiry.isEmpty() && Instant.now().isBefore(forgetfulExpires.minusSeconds(5))) {
          beforeExpiry = attempt(forgetfulObligations, "forgetful-before");
        }
        if (afterExpiry.isEmpty() && Instant.now().isAfter(forgetfulExpires.plusSeconds(5))) {
          afterExpiry = attempt(forgetfulObligations, "forgetful-after");
        }
        Thread.sleep(1_000);
      }
      load.shutdown();
      load.awaitTermination(2, TimeUnit.MINUTES);
      long stop = System.nanoTime();
      gateway.close();
      forgetfulGateway.close();
      channel.shutdownNow();
      forgetfulChannel.shutdownNow();

      // Renewals per node identity, from the authority's inventory.
      Map<String, Integer> renewals = new TreeMap<>();
      for (IssuedCertificate certificate : authority.inventory()) {
        if ((certificate.role() == Role.PEER || certificate.role() == Role.ORDERER)
            && certificate.renewalOf().isPresent()) {
          renewals.merge(certificate.commonName() + "/" + certificate.profile(), 1, Integer::sum);
        }
      }
      for (HostedNode node : ledger.nodes()) {
        renewals.putIfAbsent(node.nodeId() + "/SIGNING", 0);
        renewals.putIfAbsent(node.nodeId() + "/TLS", 0);
      }
      inventoryLog.detachAppender(watcher);
      long nodeWarnings =
          warnings.stream()
              .filter(w -> w.startsWith("certificate.expiring") && !w.contains("name=forgetful"))
              .count();
      Outcomes result = new Outcomes(outcomes);
      int fewest = renewals.values().stream().mapToInt(Integer::intValue).min().orElse(0);
      System.out.printf(
          "RESULT certificate-lifecycle lifetime=%s duration=%s orderers=%d workers=%d"
              + " committed=%d failed=%s tx_per_s=%.1f p50_ms=%.0f p99_ms=%.0f"
              + " fewest_renewals_per_node_certificate=%d node_certificates=%d"
              + " expiry_warnings_for_renewed_certificates=%d%n",
          lifetime,
          duration,
          orderers,
          workers,
          result.valid().size(),
          result.failures(),
          result.committedPerSecond(start, stop),
          result.latency(o -> true, 0.5),
          result.latency(o -> true, 0.99),
          fewest,
          renewals.size(),
          nodeWarnings);
      System.out.printf(
          "RESULT forgetful-member expires=%s gauge_seen_s_before_expiry=%s gauge_value_s=%s"
              + " warning_s_before_expiry=%s before_expiry=\"%s\" after_expiry=\"%s\"%n",
          forgetfulExpires,
          gaugedAt.map(at -> Duration.between(at, forgetfulExpires).toSeconds()).orElse(null),
          gaugedSeconds.map(v -> String.format("%.0f", v)).orElse(null),
          warnedAt.map(at -> Duration.between(at, forgetfulExpires).toSeconds()).orElse(null),
          beforeExpiry,
          afterExpiry);
      renewals.forEach(
          (identity, count) -> System.out.printf("  %-24s renewed %d times%n", identity, count));
      return result.failures().isEmpty() && fewest >= 2 ? 0 : 1;
    } finally {
      Clients.delete(directory);
    }
  }

  /** What one transaction of the forgetful member came to: VALID, or the error it got. */
  private static String attempt(Contract obligations, String id) {
    try {
      obligations.submitTransaction("record", id, Clients.mspId(1), Clients.mspId(0), "EUR", "1");
      return "VALID";
    } catch (Exception e) {
      String message = String.valueOf(e.getMessage());
      if (e instanceof org.hyperledger.fabric.client.GatewayException gateway) {
        message =
            gateway.getStatus().getCode()
                + " "
                + gateway.getStatus().getDescription()
                + " "
                + gateway.getDetails().stream().map(d -> d.getMessage()).toList();
      }
      return e.getClass().getSimpleName() + ": " + message.replace('"', '\'');
    }
  }
}
