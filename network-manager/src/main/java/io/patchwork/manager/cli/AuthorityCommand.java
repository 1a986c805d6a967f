package io.patchwork.manager.cli;

import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateProfile;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.MspBundle;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code patchwork authority}: a certificate authority the members hold themselves, to replace the
 * manager's ("fire the referee"). {@code init} makes it in a directory; the members then vote it in
 * with {@code patchwork propose --replace-authority}; {@code recertify} answers the certificate
 * requests of the peers the manager runs for them.
 *
 * <p>The directory keeps the authority's state in an embedded H2 database and its private key in a
 * PKCS#12 file encrypted with the passphrase ({@code --passphrase-file}, else {@code
 * $PATCHWORK_AUTHORITY_PASSPHRASE}).
 */
@Command(
    name = "authority",
    description = "A certificate authority held by the members, to replace the manager's.",
    subcommands = {
      AuthorityCommand.Init.class,
      AuthorityCommand.Enrol.class,
      AuthorityCommand.Recertify.class
    })
final class AuthorityCommand implements Runnable {
  static final String ROOT = "root.pem";
  static final String CRL = "crl.pem";
  static final String PASSPHRASE_VARIABLE = "PATCHWORK_AUTHORITY_PASSPHRASE";

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the authority lives and how its key is unlocked. */
  static final class Store {
    @Option(names = "--dir", required = true, description = "The authority's directory.")
    Path directory;

    @Option(
        names = "--passphrase-file",
        description = "File holding the key passphrase (default: $" + PASSPHRASE_VARIABLE + ").")
    Path passphraseFile;

    Passphrase passphrase() throws Exception {
      if (passphraseFile == null) {
        return Passphrase.fromEnvironment(PASSPHRASE_VARIABLE);
      }
      String text = Files.readString(passphraseFile, StandardCharsets.UTF_8).strip();
      return Passphrase.of(text.toCharArray());
    }

    EmbeddedDatabase database() {
      return EmbeddedDatabase.open(directory.resolve("authority"));
    }

    CertificateAuthorities authorities(EmbeddedDatabase database) throws Exception {
      return CertificateAuthorities.builder()
          .dataSource(database.dataSource())
          .keyDirectory(directory.resolve("keys"))
          .passphrase(passphrase())
          .build();
    }
  }

  @Command(
      name = "init",
      description =
          "Make a new authority for a ledger in a new directory; writes root.pem and crl.pem to"
              + " propose with --replace-authority.")
  static final class Init implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin Store store;

    @Option(names = "--ledger", required = true, description = "The ledger it will serve.")
    String ledger;

    @Option(
        names = "--organization",
        required = true,
        description = "Who holds it, as named in its certificate (e.g. the consortium).")
    String organization;

    @Override
    public Integer call() throws Exception {
      if (Files.exists(store.directory)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            store.directory + " exists; an authority starts in a new directory");
      }
      store.passphrase();
      Files.createDirectories(store.directory);
      try (EmbeddedDatabase database = store.database()) {
        CertificateAuthority authority =
            store.authorities(database).createRoot(AuthoritySpec.of(ledger, organization));
        Files.writeString(
            store.directory.resolve(ROOT),
            Pem.certificate(authority.trustRoot()),
            StandardCharsets.US_ASCII);
        Files.writeString(
            store.directory.resolve(CRL), Pem.crl(authority.crl()), StandardCharsets.US_ASCII);
        spec.commandLine()
            .getOut()
            .printf(
                "authority for %s made in %s: %s (SHA-256 %s)%n",
                ledger,
                store.directory,
                authority.trustRoot().getSubjectX500Principal().getName(),
                HexFormat.of()
                    .formatHex(
                        MessageDigest.getInstance("SHA-256")
                            .digest(authority.trustRoot().getEncoded())));
      }
      return 0;
    }
  }

  @Command(
      name = "enrol",
      description =
          "Certify a new admin or client of a member with the members' authority (after the"
              + " referee was fired): keys made here, an MSP folder (and for a client a TLS"
              + " folder) written to --out.")
  static final class Enrol implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin Store store;

    @Option(names = "--ledger", required = true, description = "The ledger it serves.")
    String ledger;

    @Option(names = "--organization", required = true, description = "The member's name.")
    String organization;

    @Option(names = "--msp-id", required = true, description = "The member's MSP id.")
    String mspId;

    @Option(
        names = "--role",
        defaultValue = "client",
        description = "admin (signs proposals and ballots) or client (transacts).")
    String role;

    @Option(names = "--name", description = "The identity's common name (default: the role).")
    String name;

    @Option(
        names = "--tls-host",
        description = "For a client: a name its TLS certificate also names (default localhost).")
    List<String> tlsHosts = new ArrayList<>();

    @Option(names = "--out", required = true, description = "A new directory for its folders.")
    Path out;

    @Override
    public Integer call() throws Exception {
      Role chosen;
      try {
        chosen = Role.valueOf(role.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        chosen = null;
      }
      if (chosen != Role.ADMIN && chosen != Role.CLIENT) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--role is admin or client");
      }
      if (Files.exists(out)) {
        throw new CommandLine.ParameterException(spec.commandLine(), out + " exists");
      }
      String common = name == null ? chosen.name().toLowerCase(Locale.ROOT) : name;
      try (EmbeddedDatabase database = store.database()) {
        CertificateAuthority authority = Recertify.open(store.authorities(database), ledger);
        IssuedCredential signing =
            authority.issueWithNewKey(
                CertificateRequest.signing(common, chosen, organization, mspId));
        new MspBundle(
                authority.chain(),
                signing.certificate().certificate(),
                Optional.of(signing.privateKey()),
                Optional.of(authority.crl()))
            .writeTo(out.resolve("msp"));
        String printed = "msp " + signing.certificate().serialHex();
        if (chosen == Role.CLIENT) {
          IssuedCredential tls =
              authority.issueWithNewKey(
                  CertificateRequest.tls(
                      common,
                      Role.CLIENT,
                      organization,
                      mspId,
                      tlsHosts.isEmpty() ? List.of("localhost") : tlsHosts,
                      List.of(InetAddress.getLoopbackAddress())));
          Path folder = Files.createDirectories(out.resolve("tls"));
          List<X509Certificate> chain = new ArrayList<>();
          chain.add(tls.certificate().certificate());
          chain.addAll(authority.chain().subList(0, authority.chain().size() - 1));
          Files.writeString(
              folder.resolve("cert.pem"), Pem.certificates(chain), StandardCharsets.US_ASCII);
          Files.writeString(
              Files.createFile(
                  folder.resolve("key.pem"),
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rw-------"))),
              Pem.privateKey(tls.privateKey()),
              StandardCharsets.US_ASCII);
          Files.writeString(
              folder.resolve("ca.pem"),
              Pem.certificate(authority.trustRoot()),
              StandardCharsets.US_ASCII);
          printed += ", tls " + tls.certificate().serialHex();
        }
        spec.commandLine()
            .getOut()
            .printf(
                "%s %s of %s enrolled by the members' authority in %s (%s)%n",
                chosen.name().toLowerCase(Locale.ROOT), common, mspId, out, printed);
      }
      return 0;
    }
  }

  @Command(
      name = "recertify",
      description =
          "Certify the peers the manager runs for a ledger with this authority, once the members"
              + " voted it in.")
  static final class Recertify extends Api.Command {
    @CommandLine.Mixin Store store;

    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Override
    public Integer call() throws Exception {
      String path = "/ledgers/" + ledger + "/recertification";
      JsonArray requests = api.get(path).getJsonArray("requests");
      if (requests.isEmpty()) {
        out().printf("every peer of %s is certified by the members' authority already%n", ledger);
        return 0;
      }
      try (EmbeddedDatabase database = store.database()) {
        CertificateAuthority authority = open(store.authorities(database), ledger);
        JsonArray certificates = new JsonArray();
        for (int i = 0; i < requests.size(); i++) {
          JsonObject request = requests.getJsonObject(i);
          certificates.add(
              Pem.certificates(
                  List.of(
                      authority
                          .issue(
                              Pem.readCertificateRequest(request.getString("csr")),
                              certificateRequest(request))
                          .certificate())));
        }
        JsonArray done =
            api.post(path, new JsonObject().put("certificates", certificates))
                .getJsonArray("recertified");
        for (int i = 0; i < done.size(); i++) {
          JsonObject peer = done.getJsonObject(i);
          out()
              .printf(
                  "%s (%s) certified by %s, serial %s%s%n",
                  peer.getString("node"),
                  peer.getString("mspId"),
                  authority.trustRoot().getSubjectX500Principal().getName(),
                  peer.getString("signingSerial"),
                  peer.getBoolean("started", false) ? "; started" : "");
        }
      }
      return 0;
    }

    static CertificateAuthority open(CertificateAuthorities authorities, String ledger)
        throws Exception {
      if (!authorities.ledgerIds().contains(ledger)) {
        throw new IOException("this authority was not made for ledger " + ledger);
      }
      return authorities.open(ledger);
    }

    private static CertificateRequest certificateRequest(JsonObject request) throws IOException {
      String node = request.getString("node");
      Role role = Role.valueOf(request.getString("role"));
      String organization = request.getString("organization");
      String mspId = request.getString("mspId");
      if (CertificateProfile.valueOf(request.getString("profile")) == CertificateProfile.SIGNING) {
        return CertificateRequest.signing(node, role, organization, mspId);
      }
      List<String> dns = new ArrayList<>();
      request.getJsonArray("dnsNames").forEach(name -> dns.add((String) name));
      List<InetAddress> ips = new ArrayList<>();
      for (Object ip : request.getJsonArray("ipAddresses")) {
        ips.add(InetAddress.getByName((String) ip));
      }
      return CertificateRequest.tls(node, role, organization, mspId, dns, ips);
    }
  }
}
