package io.patchwork.manager;

import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateProfile;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.Csr;
import io.patchwork.ca.CsrSubmission;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.InviteScope;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.ca.MspBundle;
import io.patchwork.ca.NewInvite;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Redemption;
import io.patchwork.ca.Role;
import io.patchwork.manager.api.ApiTls;
import io.patchwork.manager.cli.ClientCommand;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.api.NodePorts;
import io.patchwork.node.host.NodeCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The {@code patchwork} command. Without arguments (or {@code serve}) it runs the network manager
 * on embedded defaults until stopped. {@code ca-demo} shows the referee at work: it keeps a demo
 * ledger authority under the data directory and, on each run, invites one more member, redeems the
 * invite with CSRs made on the member's side, and writes the member's Fabric MSP folder. {@code
 * node} runs one ledger node standalone.
 */
public final class Main {
  static final String DATA_DIRECTORY_VARIABLE = "PATCHWORK_DATA_DIR";
  static final String PASSPHRASE_VARIABLE = "PATCHWORK_CA_PASSPHRASE";
  private static final String LEDGER = "demo";

  private static final String SERVE_HELP =
      """
      Usage: patchwork [serve]
      Run the network manager: its API and console on PATCHWORK_HOST:PATCHWORK_PORT (default
      127.0.0.1:8080), state under PATCHWORK_DATA_DIR (default ./data), the registry in an
      embedded H2 database unless PATCHWORK_DATABASE_URL names PostgreSQL. Every setting is an
      environment variable: PATCHWORK_CA_PASSPHRASE, PATCHWORK_TLS_CERT, PATCHWORK_TLS_KEY,
      PATCHWORK_TLS_CA, PATCHWORK_CLUSTER_MEMBERS, PATCHWORK_CLUSTER_PORT,
      PATCHWORK_CLUSTER_BUS_PORT, PATCHWORK_NODE_BIND, PATCHWORK_NODE_HOST, PATCHWORK_NODE_PORTS,
      PATCHWORK_ENDORSE_WAIT — docs/network-manager.md says what each means.""";

  private static final String CA_DEMO_HELP =
      """
      Usage: patchwork ca-demo
      The referee at work: the embedded certificate authority of a demo ledger (its own state under
      PATCHWORK_DATA_DIR/ca-demo, apart from a running service's) invites one more member on each
      run, redeems the invite with
      CSRs made on the member's side, writes the member's Fabric MSP folder and prints an
      openssl command to check it independently.""";

  private final Path data;
  private final PrintStream out;

  Main(Path data, PrintStream out) {
    this.data = data.toAbsolutePath().normalize();
    this.out = out;
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("node")) {
      // A member's own node, run standalone: patchwork node run|snapshot|history ...
      System.exit(NodeCommand.execute(Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0
        && (ClientCommand.COMMANDS.contains(args[0])
            || args[0].equals("--help")
            || args[0].equals("-h")
            || args[0].equals("--version")
            || args[0].equals("-V"))) {
      // The API from a shell: patchwork ledgers|ledger|create-ledger|invite|join|proposals|...
      System.exit(
          ClientCommand.execute(
              new PrintWriter(System.out, true, StandardCharsets.UTF_8),
              new PrintWriter(System.err, true, StandardCharsets.UTF_8),
              args));
    }
    if (args.length > 1
        && (args[0].equals("serve") || args[0].equals("ca-demo"))
        && (args[1].equals("--help") || args[1].equals("-h"))) {
      System.out.println(args[0].equals("serve") ? SERVE_HELP : CA_DEMO_HELP);
      System.exit(0);
    }
    Path data = Path.of(System.getenv().getOrDefault(DATA_DIRECTORY_VARIABLE, "data"));
    if (args.length > 0 && args[0].equals("ca-demo")) {
      try {
        new Main(data, System.out).run();
      } catch (CaException e) {
        System.err.println("patchwork: " + e.error() + ": " + e.getMessage());
        System.exit(1);
      } catch (IOException | GeneralSecurityException e) {
        System.err.println("patchwork: " + e.getMessage());
        System.exit(1);
      }
      return;
    }
    if (args.length > 0 && !args[0].equals("serve")) {
      System.err.println(
          "usage: patchwork [serve]      the network manager (default)\n"
              + "       patchwork ledgers|ledger|create-ledger|invite|join|proposals|propose|vote\n"
              + "                              the manager's API from a shell (--help)\n"
              + "       patchwork ca-demo      the referee at work: invite, redeem, MSP folder\n"
              + "       patchwork node ...     a ledger node run standalone (node --help)");
      System.exit(2);
    }
    try {
      new Main(data, System.out).serve();
    } catch (CaException e) {
      System.err.println("patchwork: " + e.error() + ": " + e.getMessage());
      System.exit(1);
    } catch (IOException | java.sql.SQLException e) {
      System.err.println("patchwork: " + e.getMessage());
      System.exit(1);
    }
  }

  static final String HOST_VARIABLE = "PATCHWORK_HOST";
  static final String PORT_VARIABLE = "PATCHWORK_PORT";
  static final String DATABASE_VARIABLE = "PATCHWORK_DATABASE_URL";
  static final String CLUSTER_MEMBERS_VARIABLE = "PATCHWORK_CLUSTER_MEMBERS";
  static final String CLUSTER_PORT_VARIABLE = "PATCHWORK_CLUSTER_PORT";
  static final String CLUSTER_BUS_PORT_VARIABLE = "PATCHWORK_CLUSTER_BUS_PORT";
  static final String NODE_BIND_VARIABLE = "PATCHWORK_NODE_BIND";
  static final String TLS_CERT_VARIABLE = "PATCHWORK_TLS_CERT";
  static final String TLS_KEY_VARIABLE = "PATCHWORK_TLS_KEY";
  static final String TLS_CA_VARIABLE = "PATCHWORK_TLS_CA";
  static final String API_TLS_DIRECTORY = "api-tls";
  static final String NODE_HOST_VARIABLE = "PATCHWORK_NODE_HOST";
  static final String NODE_PORTS_VARIABLE = "PATCHWORK_NODE_PORTS";
  static final String CERTIFICATE_LIFETIME_VARIABLE = "PATCHWORK_CERTIFICATE_LIFETIME";
  static final String RENEW_BEFORE_VARIABLE = "PATCHWORK_RENEW_BEFORE";

  /**
   * How long new ledgers' certificates last ({@value #CERTIFICATE_LIFETIME_VARIABLE}, ISO-8601,
   * default P365D) and how long before expiry the manager renews those it holds ({@value
   * #RENEW_BEFORE_VARIABLE}, default P30D).
   *
   * @throws IllegalArgumentException naming the variable, if one is not a usable duration
   */
  static CertificatePolicy certificatePolicy() {
    return new CertificatePolicy(
        duration(CERTIFICATE_LIFETIME_VARIABLE, CertificatePolicy.DEFAULT.lifetime()),
        duration(RENEW_BEFORE_VARIABLE, CertificatePolicy.DEFAULT.renewBefore()));
  }

  private static Duration duration(String variable, Duration otherwise) {
    String text = System.getenv(variable);
    if (text == null || text.isBlank()) {
      return otherwise;
    }
    try {
      return Duration.parse(text.strip());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          variable + " must be an ISO-8601 duration such as P30D or PT3M, not '" + text + "'");
    }
  }

  /**
   * The API's HTTPS identity: the operator's certificate and key ({@value #TLS_CERT_VARIABLE},
   * {@value #TLS_KEY_VARIABLE}, optionally {@value #TLS_CA_VARIABLE}); off loopback without them,
   * one the service makes itself under {@code data/api-tls} (an authority of its own and a
   * certificate naming the bind address and {@code PATCHWORK_NODE_HOST}); none on loopback.
   */
  Optional<ApiTls> apiTls(String host, NodeAddresses nodes, boolean clustered)
      throws IOException, CaException {
    String certificate = System.getenv(TLS_CERT_VARIABLE);
    String key = System.getenv(TLS_KEY_VARIABLE);
    if (certificate != null || key != null) {
      if (certificate == null || key == null) {
        throw new IllegalArgumentException(
            "set both " + TLS_CERT_VARIABLE + " and " + TLS_KEY_VARIABLE + ", or neither");
      }
      return Optional.of(
          ApiTls.fromFiles(
              Path.of(certificate),
              Path.of(key),
              Optional.ofNullable(System.getenv(TLS_CA_VARIABLE)).map(Path::of)));
    }
    if (Manager.isLoopback(host)) {
      return Optional.empty();
    }
    if (clustered) {
      // Each instance would make an authority of its own, and none could check another's.
      throw new IllegalArgumentException(
          "cluster mode over HTTPS needs one authority for every instance: set "
              + TLS_CERT_VARIABLE
              + ", "
              + TLS_KEY_VARIABLE
              + " and "
              + TLS_CA_VARIABLE);
    }
    List<String> names = new ArrayList<>();
    if (!host.equals("0.0.0.0") && !host.equals("::")) {
      names.add(host);
    }
    if (!nodes.isLoopback()) {
      names.add(nodes.advertised());
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException(
          "the API listens on every interface: set "
              + NODE_HOST_VARIABLE
              + " to the name or IP this machine is reached at (its certificate will name it), or"
              + " give a certificate with "
              + TLS_CERT_VARIABLE
              + " and "
              + TLS_KEY_VARIABLE);
    }
    return Optional.of(ApiTls.selfIssued(data.resolve(API_TLS_DIRECTORY), names));
  }

  /**
   * Where this instance's ledger nodes listen ({@value #NODE_BIND_VARIABLE}, default 127.0.0.1) and
   * the name or IP members reach them at ({@value #NODE_HOST_VARIABLE}; default the bind address,
   * which must then not be a wildcard), on the ports of {@value #NODE_PORTS_VARIABLE} ({@code
   * FIRST-LAST}, default {@link NodePorts#DEFAULT}).
   *
   * @throws IllegalArgumentException with what to set, if they are not usable
   */
  static NodeAddresses nodeAddresses() {
    String bind = System.getenv().getOrDefault(NODE_BIND_VARIABLE, "127.0.0.1");
    String advertised = System.getenv(NODE_HOST_VARIABLE);
    if (advertised == null || advertised.isBlank()) {
      if (bind.equals("0.0.0.0") || bind.equals("::")) {
        throw new IllegalArgumentException(
            NODE_BIND_VARIABLE
                + "="
                + bind
                + " listens on every interface: set "
                + NODE_HOST_VARIABLE
                + " to the name or IP members reach this machine at");
      }
      advertised = bind;
    }
    NodePorts ports;
    try {
      ports =
          Optional.ofNullable(System.getenv(NODE_PORTS_VARIABLE))
              .filter(text -> !text.isBlank())
              .map(NodePorts::parse)
              .orElse(NodePorts.DEFAULT);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(NODE_PORTS_VARIABLE + ": " + e.getMessage(), e);
    }
    try {
      return new NodeAddresses(bind, advertised.strip(), ports);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          NODE_BIND_VARIABLE + "/" + NODE_HOST_VARIABLE + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code patchwork serve}: the network manager's HTTP API on {@code
   * PATCHWORK_HOST:PATCHWORK_PORT} (default 127.0.0.1:8080), with the registry and authorities
   * under the data directory, until stopped.
   */
  private void serve() throws CaException, IOException, java.sql.SQLException {
    String host = System.getenv().getOrDefault(HOST_VARIABLE, "127.0.0.1");
    int port;
    try {
      port = Integer.parseInt(System.getenv().getOrDefault(PORT_VARIABLE, "8080"));
    } catch (NumberFormatException e) {
      System.err.println("patchwork: " + PORT_VARIABLE + " must be a port number");
      System.exit(2);
      return;
    }
    Optional<String> postgres = Optional.ofNullable(System.getenv(DATABASE_VARIABLE));
    Files.createDirectories(data);
    Manager manager;
    try {
      Optional<Manager.Cluster> cluster = Optional.empty();
      String members = System.getenv(CLUSTER_MEMBERS_VARIABLE);
      if (members != null && !members.isBlank()) {
        cluster =
            Optional.of(
                new Manager.Cluster(
                    host,
                    Integer.parseInt(System.getenv().getOrDefault(CLUSTER_PORT_VARIABLE, "5701")),
                    Integer.parseInt(
                        System.getenv().getOrDefault(CLUSTER_BUS_PORT_VARIABLE, "5702")),
                    List.of(members.split(","))));
      }
      NodeAddresses nodes = nodeAddresses();
      manager =
          Manager.start(
              new Manager.Settings(
                  data,
                  host,
                  port,
                  postgres,
                  passphrase(),
                  cluster,
                  nodes,
                  apiTls(host, nodes, cluster.isPresent()),
                  certificatePolicy()));
    } catch (IllegalArgumentException e) {
      System.err.println("patchwork: " + e.getMessage());
      System.exit(2);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(manager::close, "patchwork-shutdown"));
    String url = manager.url();
    String auth = "-H \"authorization: Bearer $(cat " + manager.operatorTokenFile() + ")\"";
    out.println("Patchwork network manager listening on " + url);
    out.println("Console: " + url + "/  (sign in with the operator token below)");
    out.println(
        "Registry: "
            + (postgres.isPresent()
                ? "PostgreSQL (" + DATABASE_VARIABLE + ")"
                : "embedded H2 in " + data.resolve("registry"))
            + "; ledgers brought back from disk: "
            + manager.resumed());
    out.println(
        "The operator's API token is in " + manager.operatorTokenFile() + " (keep it secret).");
    manager
        .tls()
        .ifPresent(
            tls -> {
              out.println("HTTPS certificate SHA-256 fingerprint: " + tls.fingerprint());
              if (System.getenv(TLS_CERT_VARIABLE) == null) {
                out.println(
                    "  (made by this service: clients pass --ca-file "
                        + data.resolve(API_TLS_DIRECTORY).resolve(ApiTls.AUTHORITY_FILE)
                        + " or --fingerprint)");
              }
            });
    // curl checks the certificate too: name the service's own authority when it made one.
    String curl =
        manager.tls().isPresent() && System.getenv(TLS_CERT_VARIABLE) == null
            ? "curl --cacert "
                + data.resolve(API_TLS_DIRECTORY).resolve(ApiTls.AUTHORITY_FILE)
                + " "
            : "curl ";
    out.println("Try:  " + curl + url + "/templates");
    out.println(
        "      "
            + curl
            + "-X POST "
            + url
            + "/ledgers "
            + auth
            + " -H 'content-type: application/json' -d '{\"name\": \"trade\","
            + " \"template\": \"payments-netting\", \"parties\": [{\"organization\": \"Bank"
            + " A\", \"mspId\": \"BankAMSP\"}, {\"organization\": \"Bank B\", \"mspId\":"
            + " \"BankBMSP\"}]}'");
    out.println("      " + curl + auth + " " + url + "/ledgers/trade");
    out.println("Or from a shell:  ./patchwork ledgers   (./patchwork --help for every command)");
    out.flush();
  }

  void run() throws CaException, IOException, GeneralSecurityException {
    out.println("Patchwork: consortium ledgers, governed by their members.");
    out.println("The referee at work: the embedded certificate authority of a demo ledger.");
    out.println();
    // A directory of its own: the demo never opens a running service's registry or key stores.
    Files.createDirectories(demo());
    try (EmbeddedDatabase database = EmbeddedDatabase.open(demo().resolve("registry/patchwork"))) {
      demonstrate(database.dataSource());
    }
  }

  private void demonstrate(DataSource dataSource)
      throws CaException, IOException, GeneralSecurityException {
    CertificateAuthorities authorities =
        CertificateAuthorities.builder()
            .dataSource(dataSource)
            .keyDirectory(demo().resolve("ca-keys"))
            .passphrase(passphrase())
            .build();

    boolean exists = authorities.ledgerIds().contains(LEDGER);
    CertificateAuthority ca =
        exists
            ? authorities.open(LEDGER)
            : authorities.createRoot(AuthoritySpec.of(LEDGER, "Patchwork Operator"));
    out.printf(
        "data directory   %s%nledger authority %s (%s), valid until %s%n",
        data,
        ca.certificate().getSubjectX500Principal().getName(),
        exists ? "opened" : "created",
        ca.certificate().getNotAfter().toInstant());

    int number = (int) ca.invites().size() + 1;
    String organisation = "Bank " + number;
    String mspId = "Bank" + number + "MSP";
    NewInvite invite =
        ca.invite(
            new InviteScope(
                organisation, mspId, Set.of(Role.ADMIN, Role.PEER), 1, Duration.ofDays(7)));
    out.printf(
        "invite           %s for %s (%s): admin + 1 peer, expires %s%n",
        invite.invite().id(), organisation, mspId, invite.invite().expiresAt());

    // The member's side: its keys never leave it; only CSRs travel with the invite token.
    KeyPair admin = newKey();
    KeyPair peer = newKey();
    KeyPair peerTls = newKey();
    String host = "peer0." + mspId.toLowerCase() + ".localhost";
    Redemption redemption =
        ca.redeem(
            invite.token(),
            List.of(
                new CsrSubmission(
                    CertificateProfile.SIGNING,
                    Csr.create(
                        admin,
                        CertificateRequest.signing("admin", Role.ADMIN, organisation, mspId))),
                new CsrSubmission(
                    CertificateProfile.SIGNING,
                    Csr.create(
                        peer, CertificateRequest.signing("peer0", Role.PEER, organisation, mspId))),
                new CsrSubmission(
                    CertificateProfile.TLS,
                    Csr.create(
                        peerTls,
                        CertificateRequest.tls(
                            "peer0", Role.PEER, organisation, mspId, List.of(host), List.of())))));
    out.printf("redeemed         %d certificates:%n", redemption.certificates().size());
    for (IssuedCertificate issued : redemption.certificates()) {
      out.printf(
          "                 serial %s  %s %s%n",
          issued.serialHex(), issued.role(), issued.profile());
    }

    X509CRL crl = ca.crl();
    Path ledgerDirectory = demo().resolve(LEDGER);
    Files.createDirectories(ledgerDirectory);
    Files.writeString(ledgerDirectory.resolve("ca.pem"), Pem.certificate(ca.certificate()));
    Files.writeString(ledgerDirectory.resolve("crl.pem"), Pem.crl(crl));
    Path msp =
        new MspBundle(
                ca.chain(),
                redemption.certificates().get(0).certificate(),
                Optional.of(admin.getPrivate()),
                Optional.of(crl))
            .writeTo(ledgerDirectory.resolve("members/" + mspId + "/admin/msp"));
    out.printf("admin MSP folder %s%n", data.getParent().relativize(msp));
    out.printf(
        "inventory        %d certificates issued by this authority%n%n", ca.inventory().size());
    out.println("Check the certificate with a tool that shares no code with Patchwork:");
    out.printf(
        "  openssl verify -crl_check -CAfile %1$s/ca.pem -CRLfile %1$s/crl.pem %2$s/signcerts/cert.pem%n",
        data.getParent().relativize(ledgerDirectory), data.getParent().relativize(msp));
    out.println("Run again to invite the next member; delete the data directory to start over.");
    out.println("A member runs its own ledger node with: ./patchwork node run --help");
  }

  /**
   * The key store passphrase: from {@value #PASSPHRASE_VARIABLE}, or for this local demo a random
   * one kept in an owner-only file under the data directory.
   */
  /** Where ca-demo keeps its state: apart from the service's. */
  private Path demo() {
    return data.resolve("ca-demo");
  }

  private Passphrase passphrase() throws CaException, IOException {
    if (System.getenv(PASSPHRASE_VARIABLE) != null) {
      return Passphrase.fromEnvironment(PASSPHRASE_VARIABLE);
    }
    Path file = data.resolve("ca-passphrase");
    if (!Files.exists(file)) {
      byte[] secret = new byte[24];
      new SecureRandom().nextBytes(secret);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(
          file,
          Base64.getUrlEncoder().withoutPadding().encodeToString(secret),
          StandardCharsets.US_ASCII);
      out.printf(
          "note: generated a key store passphrase in %s for this local run;"
              + " set %s in production.%n%n",
          file, PASSPHRASE_VARIABLE);
    }
    return Passphrase.of(Files.readString(file, StandardCharsets.US_ASCII).strip().toCharArray());
  }

  private static KeyPair newKey() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }
}
