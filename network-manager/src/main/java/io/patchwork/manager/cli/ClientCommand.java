package io.patchwork.manager.cli;

import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.Csr;
import io.patchwork.ca.MspBundle;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.patchwork.governance.Choice;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.governance.GovernanceDecisions;
import io.patchwork.node.host.NodeFiles;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code patchwork <command>}: the network manager's API from a shell, for the operator and for
 * member admins. Member keys are made here and never leave the machine; proposals and ballots are
 * signed here with the member's admin MSP folder (or, for a member that keeps its admin identity
 * with the manager, signed there).
 */
@Command(
    name = "patchwork",
    mixinStandardHelpOptions = true,
    description = "Talk to a Patchwork network manager.",
    subcommands = {
      ClientCommand.Ledgers.class,
      ClientCommand.Show.class,
      ClientCommand.CreateLedger.class,
      ClientCommand.Invite.class,
      ClientCommand.Join.class,
      ClientCommand.Proposals.class,
      ClientCommand.Propose.class,
      ClientCommand.Vote.class,
      ClientCommand.Successor.class,
      AuthorityCommand.class
    })
public final class ClientCommand implements Runnable {
  /** The commands this client answers to, for the {@code patchwork} launcher. */
  public static final List<String> COMMANDS =
      List.of(
          "ledgers",
          "ledger",
          "create-ledger",
          "invite",
          "join",
          "proposals",
          "propose",
          "vote",
          "successor",
          "authority");

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine line = new CommandLine(new ClientCommand());
    line.setOut(out);
    line.setErr(err);
    line.setExecutionExceptionHandler(
        (failure, command, parsed) -> {
          command.getErr().println("patchwork: " + failure.getMessage());
          return failure instanceof ApiException refused ? refused.exitCode() : 1;
        });
    return line.execute(args);
  }

  /** An API refusal: its code and message, and exit status 3 (4 for authentication). */
  static final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    ApiException(int status, String body) {
      super(describe(status, body));
      this.status = status;
    }

    int exitCode() {
      return status == 401 || status == 403 ? 4 : 3;
    }

    private static String describe(int status, String body) {
      try {
        JsonObject error = new JsonObject(body);
        return error.getString("code", "HTTP_" + status) + ": " + error.getString("message", "");
      } catch (RuntimeException e) {
        return "HTTP " + status;
      }
    }
  }

  /** Where the manager is and who calls it. */
  static final class Connection {
    @Option(
        names = "--url",
        description = "The manager's URL (default: $PATCHWORK_URL or http://127.0.0.1:8080).")
    String url;

    @Option(
        names = "--token-file",
        description =
            "File holding the API token (default: $PATCHWORK_TOKEN, else the operator's token in"
                + " $PATCHWORK_DATA_DIR/operator-token).")
    Path tokenFile;

    private final HttpClient http = HttpClient.newHttpClient();

    String base() {
      String chosen =
          url != null
              ? url
              : System.getenv().getOrDefault("PATCHWORK_URL", "http://127.0.0.1:8080");
      return chosen.endsWith("/") ? chosen.substring(0, chosen.length() - 1) : chosen;
    }

    Optional<String> token() throws IOException {
      if (tokenFile != null) {
        return Optional.of(Files.readString(tokenFile, StandardCharsets.US_ASCII).strip());
      }
      String fromEnvironment = System.getenv("PATCHWORK_TOKEN");
      if (fromEnvironment != null && !fromEnvironment.isBlank()) {
        return Optional.of(fromEnvironment.strip());
      }
      Path operator =
          Path.of(System.getenv().getOrDefault("PATCHWORK_DATA_DIR", "data"), "operator-token");
      return Files.exists(operator)
          ? Optional.of(Files.readString(operator, StandardCharsets.US_ASCII).strip())
          : Optional.empty();
    }

    JsonObject get(String path) throws Exception {
      return call("GET", path, null, true);
    }

    JsonObject post(String path, JsonObject body) throws Exception {
      return call("POST", path, body, true);
    }

    JsonObject call(String method, String path, JsonObject body, boolean authenticated)
        throws Exception {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(base() + path))
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body.encode()));
      if (body != null) {
        request.header("content-type", "application/json");
      }
      if (authenticated) {
        token().ifPresent(token -> request.header("authorization", "Bearer " + token));
      }
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 300) {
        throw new ApiException(response.statusCode(), response.body());
      }
      return response.body().isBlank() ? new JsonObject() : new JsonObject(response.body());
    }
  }

  abstract static class ApiCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin Connection api;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }
  }

  @Command(name = "ledgers", description = "List the ledgers the caller may see.")
  static final class Ledgers extends ApiCommand {
    @Override
    public Integer call() throws Exception {
      JsonArray ledgers = api.get("/ledgers").getJsonArray("ledgers");
      out().printf("%-24s %-12s %-20s %s%n", "LEDGER", "STATUS", "TEMPLATE", "PARTIES");
      for (int i = 0; i < ledgers.size(); i++) {
        JsonObject ledger = ledgers.getJsonObject(i);
        out()
            .printf(
                "%-24s %-12s %-20s %d%n",
                ledger.getString("id"),
                ledger.getString("status"),
                ledger.getString("template"),
                ledger.getJsonArray("parties").size());
      }
      return 0;
    }
  }

  @Command(name = "ledger", description = "Show one ledger with its nodes.")
  static final class Show extends ApiCommand {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Override
    public Integer call() throws Exception {
      JsonObject shown = api.get("/ledgers/" + ledger);
      out()
          .printf(
              "%s: %s (template %s, %d parties, config sequence %s)%n",
              shown.getString("id"),
              shown.getString("status"),
              shown.getString("template"),
              shown.getJsonArray("parties").size(),
              shown.getValue("configSequence", "-"));
      if (shown.containsKey("failure")) {
        out().println("failure: " + shown.getString("failure"));
      }
      JsonArray nodes = shown.getJsonArray("nodes", new JsonArray());
      for (int i = 0; i < nodes.size(); i++) {
        JsonObject node = nodes.getJsonObject(i);
        out()
            .printf(
                "  %-10s %-8s %-16s height %d%s%n",
                node.getString("id"),
                node.getString("kind"),
                node.getString("mspId", ""),
                node.getLong("height"),
                node.getBoolean("leader", false) ? "  (Raft leader)" : "");
      }
      return 0;
    }
  }

  @Command(name = "create-ledger", description = "Create a ledger from a template (operator).")
  static final class CreateLedger extends ApiCommand {
    @Parameters(index = "0", description = "The ledger's name (its id).")
    String name;

    @Option(names = "--template", required = true)
    String template;

    @Option(
        names = "--party",
        required = true,
        description = "A party as 'Organisation:MSPID'; repeat for each.")
    List<String> parties;

    @Option(names = "--set", description = "An override as 'field.path=value'; repeatable.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      JsonArray list = new JsonArray();
      for (String party : parties) {
        int colon = party.lastIndexOf(':');
        if (colon <= 0 || colon == party.length() - 1) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--party '" + party + "' is not 'Organisation:MSPID'");
        }
        list.add(
            new JsonObject()
                .put("organization", party.substring(0, colon))
                .put("mspId", party.substring(colon + 1)));
      }
      JsonObject set = new JsonObject();
      for (String override : overrides) {
        int equals = override.indexOf('=');
        if (equals <= 0) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--set '" + override + "' is not 'field.path=value'");
        }
        set.put(override.substring(0, equals), override.substring(equals + 1));
      }
      JsonObject created =
          api.post(
              "/ledgers",
              new JsonObject()
                  .put("name", name)
                  .put("template", template)
                  .put("parties", list)
                  .put("overrides", set));
      out()
          .printf(
              "ledger %s is %s; follow it with: patchwork ledger %s%n",
              created.getString("id"), created.getString("status"), created.getString("id"));
      return 0;
    }
  }

  @Command(
      name = "successor",
      description =
          "Start a new ledger that carries an archived one on: same template, its members at close,"
              + " its closing positions and token balances (operator).")
  static final class Successor extends ApiCommand {
    @Parameters(index = "0", description = "The archived ledger.")
    String predecessor;

    @Parameters(index = "1", description = "The new ledger's name (its id).")
    String name;

    @Override
    public Integer call() throws Exception {
      JsonObject created =
          api.post("/ledgers/" + predecessor + "/successor", new JsonObject().put("name", name));
      out()
          .printf(
              "ledger %s carries %s on and is %s; follow it with: patchwork ledger %s%n",
              created.getString("id"),
              predecessor,
              created.getString("status"),
              created.getString("id"));
      return 0;
    }
  }

  @Command(name = "invite", description = "Invite a member organisation's admin.")
  static final class Invite extends ApiCommand {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Parameters(index = "1", description = "The member's MSP id.")
    String mspId;

    @Option(names = "--nodes", defaultValue = "0", description = "Peers of its own it may certify.")
    int nodes;

    @Option(names = "--valid-for", defaultValue = "P7D", description = "ISO-8601 duration.")
    String validFor;

    @Override
    public Integer call() throws Exception {
      JsonObject invite =
          api.post(
              "/ledgers/" + ledger + "/invites",
              new JsonObject().put("mspId", mspId).put("nodes", nodes).put("validFor", validFor));
      out()
          .printf(
              "invite %s for %s (%s), expires %s%n",
              invite.getString("id"),
              invite.getString("organization"),
              invite.getString("mspId"),
              invite.getString("expiresAt"));
      out().println("token (give it to the member over a channel you trust; it is shown once):");
      out().println(invite.getString("token"));
      return 0;
    }
  }

  @Command(
      name = "join",
      description =
          "Redeem an invite as the member: keys and CSRs are made here; writes admin/msp,"
              + " client/msp, client/tls, connection-profile.json and api-token under --out.")
  static final class Join extends ApiCommand {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Option(names = "--invite", required = true, description = "The invite token (pwi_...).")
    String token;

    @Option(names = "--organization", required = true)
    String organization;

    @Option(names = "--msp-id", required = true)
    String mspId;

    @Option(names = "--out", required = true, description = "A directory that does not exist.")
    Path out;

    @Option(names = "--hosted-peer", description = "Ask the manager to run a peer for us.")
    boolean hostedPeer;

    @Option(
        names = "--keep-admin-there",
        description = "Leave the admin identity with the manager instead of holding its key here.")
    boolean keepAdminThere;

    @Override
    public Integer call() throws Exception {
      if (Files.exists(out)) {
        throw new CommandLine.ParameterException(spec.commandLine(), out + " exists already");
      }
      KeyPair admin = newKey();
      KeyPair client = newKey();
      KeyPair clientTls = newKey();
      JsonArray csrs = new JsonArray();
      if (!keepAdminThere) {
        csrs.add(
            csr(
                "SIGNING",
                admin,
                CertificateRequest.signing("admin", Role.ADMIN, organization, mspId)));
      }
      csrs.add(
          csr(
              "SIGNING",
              client,
              CertificateRequest.signing("app", Role.CLIENT, organization, mspId)));
      csrs.add(
          csr(
              "TLS",
              clientTls,
              CertificateRequest.tls(
                  "app",
                  Role.CLIENT,
                  organization,
                  mspId,
                  List.of("localhost"),
                  List.of(InetAddress.getLoopbackAddress()))));
      JsonObject redeemed =
          api.call(
              "POST",
              "/ledgers/" + ledger + "/invites/redeem",
              new JsonObject()
                  .put("token", token)
                  .put("csrs", csrs)
                  .put("hostedPeer", hostedPeer)
                  .put("hostedAdmin", keepAdminThere),
              false);
      List<X509Certificate> chain = new ArrayList<>();
      for (Object pem : redeemed.getJsonArray("chain")) {
        chain.add(certificate((String) pem));
      }
      Files.createDirectories(out);
      if (!keepAdminThere) {
        new MspBundle(
                chain,
                issued(redeemed, "ADMIN", "SIGNING"),
                Optional.of(admin.getPrivate()),
                Optional.empty())
            .writeTo(out.resolve("admin/msp"));
      }
      new MspBundle(
              chain,
              issued(redeemed, "CLIENT", "SIGNING"),
              Optional.of(client.getPrivate()),
              Optional.empty())
          .writeTo(out.resolve("client/msp"));
      Path tls = Files.createDirectories(out.resolve("client/tls"));
      Files.writeString(
          tls.resolve("cert.pem"), Pem.certificate(issued(redeemed, "CLIENT", "TLS")));
      secret(tls.resolve("key.pem"), Pem.privateKey(clientTls.getPrivate()));
      Files.writeString(
          out.resolve("connection-profile.json"),
          redeemed.getJsonObject("connectionProfile").encodePrettily());
      if (redeemed.containsKey("apiToken")) {
        secret(out.resolve("api-token"), redeemed.getString("apiToken") + "\n");
      }
      out().printf("joined ledger %s as %s; files in %s%n", ledger, mspId, out);
      if (redeemed.containsKey("hostedPeer")) {
        JsonObject peer = redeemed.getJsonObject("hostedPeer");
        out()
            .println(
                peer.containsKey("error")
                    ? "hosted peer not started: " + peer.getJsonObject("error").getString("message")
                    : "hosted peer " + peer.getString("id") + " at " + peer.getString("endpoint"));
      }
      return 0;
    }

    private static X509Certificate issued(JsonObject redeemed, String role, String profile)
        throws Exception {
      JsonArray certificates = redeemed.getJsonArray("certificates");
      for (int i = 0; i < certificates.size(); i++) {
        JsonObject issued = certificates.getJsonObject(i);
        if (issued.getString("role").equals(role) && issued.getString("profile").equals(profile)) {
          return certificate(issued.getString("pem"));
        }
      }
      throw new IOException("the manager issued no " + role + " " + profile + " certificate");
    }

    private static void secret(Path file, String text) throws IOException {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    private static JsonObject csr(String profile, KeyPair key, CertificateRequest request)
        throws Exception {
      String pem = Pem.certificateRequest(Csr.create(key, request));
      return new JsonObject().put("profile", profile).put("pem", pem);
    }
  }

  @Command(name = "proposals", description = "List a ledger's proposals.")
  static final class Proposals extends ApiCommand {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Override
    public Integer call() throws Exception {
      JsonArray proposals = api.get("/ledgers/" + ledger + "/proposals").getJsonArray("proposals");
      for (int i = 0; i < proposals.size(); i++) {
        JsonObject proposal = proposals.getJsonObject(i);
        out()
            .printf(
                "%s  %-12s %-16s by %-12s yes %s no %s of %s%n",
                proposal.getString("id"),
                proposal.getString("status"),
                proposal.getJsonObject("action").getString("kind"),
                proposal.getString("proposer"),
                proposal.getValue("yes", "-"),
                proposal.getValue("no", "-"),
                proposal.getValue("eligible", "-"));
      }
      return 0;
    }
  }

  @Command(
      name = "propose",
      description =
          "Propose a change, signed here with the admin MSP folder (or by the manager, for a"
              + " member that keeps its admin identity there).")
  static final class Propose extends ApiCommand {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @CommandLine.ArgGroup(multiplicity = "1")
    Action action;

    static final class Action {
      @Option(names = "--add-member", description = "'Organisation:MSPID' to vote in.")
      String add;

      @Option(names = "--remove-member", description = "The MSP id to vote out.")
      String remove;

      @Option(names = "--close", description = "Close the ledger (then settle).")
      boolean close;

      @Option(
          names = "--replace-authority",
          description =
              "The new authority's root certificate (PEM; 'patchwork authority init' writes"
                  + " root.pem): fire the referee. Signed here only.")
      Path authority;
    }

    @Option(
        names = "--authority-crl",
        description =
            "With --replace-authority: the new authority's CRL (PEM); default: crl.pem beside"
                + " the root certificate.")
    Path authorityCrl;

    @Option(
        names = "--grace",
        defaultValue = "PT1H",
        description =
            "With --replace-authority: how long the old authority's certificates stay valid after"
                + " the decision, as an ISO-8601 duration (default PT1H).")
    java.time.Duration grace;

    @Option(
        names = "--settlement-asset",
        description = "With --close: the asset to settle in (default: the ledger template's).")
    String settlementAsset;

    @Option(names = "--admin-msp", description = "The member admin's MSP folder, to sign here.")
    Path adminMsp;

    @Override
    public Integer call() throws Exception {
      GovernanceProposal.Builder proposal = GovernanceProposal.newBuilder();
      JsonObject json = new JsonObject();
      if (action.add != null) {
        int colon = action.add.lastIndexOf(':');
        if (colon <= 0) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--add-member '" + action.add + "' is not 'Organisation:MSPID'");
        }
        String organization = action.add.substring(0, colon);
        String mspId = action.add.substring(colon + 1);
        proposal.setAddMember(
            GovernanceProposal.AddMember.newBuilder()
                .setOrganization(organization)
                .setMspId(mspId));
        json.put("kind", "ADD_MEMBER").put("organization", organization).put("mspId", mspId);
      } else if (action.authority != null) {
        if (adminMsp == null) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--replace-authority is signed here: give --admin-msp");
        }
        if (grace.isNegative() || grace.isZero()) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--grace must be positive");
        }
        GovernanceProposal.ReplaceAuthority.Builder replace =
            GovernanceProposal.ReplaceAuthority.newBuilder()
                .setAuthorityCertificate(
                    com.google.protobuf.ByteString.copyFrom(Files.readAllBytes(action.authority)))
                .setGracePeriodMillis(grace.toMillis());
        Path crl =
            authorityCrl != null
                ? authorityCrl
                : action.authority.resolveSibling(AuthorityCommand.CRL);
        if (!Files.isRegularFile(crl)) {
          throw new CommandLine.ParameterException(
              spec.commandLine(),
              "--replace-authority needs the new authority's CRL: --authority-crl, or "
                  + crl
                  + " beside the root certificate");
        }
        replace.setCrl(
            com.google.protobuf.ByteString.copyFrom(
                Pem.readCrl(Files.readString(crl, StandardCharsets.US_ASCII)).getEncoded()));
        proposal.setReplaceAuthority(replace);
      } else if (action.remove != null) {
        proposal.setRemoveMember(
            GovernanceProposal.RemoveMember.newBuilder().setMspId(action.remove));
        json.put("kind", "REMOVE_MEMBER").put("mspId", action.remove);
      } else {
        GovernanceProposal.CloseLedger.Builder close = GovernanceProposal.CloseLedger.newBuilder();
        json.put("kind", "CLOSE_LEDGER");
        if (settlementAsset != null) {
          close.setSettlementAsset(settlementAsset);
          json.put("settlementAsset", settlementAsset);
        } else if (adminMsp != null) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--close signed here needs --settlement-asset");
        }
        proposal.setCloseLedger(close);
      }
      JsonObject body;
      if (adminMsp == null) {
        body = new JsonObject().put("action", json);
      } else {
        NodeSigner admin = signer(adminMsp);
        JsonObject shown = api.get("/ledgers/" + ledger);
        SignedGovernanceProposal signed =
            GovernanceDecisions.propose(
                proposal
                    .setLedgerId(ledger)
                    .setConfigSequence(shown.getLong("configSequence"))
                    .setProposerMspId(admin.mspId())
                    .setCreatedAtMillis(System.currentTimeMillis())
                    .build(),
                admin);
        body =
            new JsonObject()
                .put("signedProposal", Base64.getEncoder().encodeToString(signed.toByteArray()));
      }
      JsonObject recorded = api.post("/ledgers/" + ledger + "/proposals", body);
      out()
          .printf(
              "proposal %s recorded: %s%n", recorded.getString("id"), recorded.getString("status"));
      return 0;
    }
  }

  @Command(name = "vote", description = "Vote on a proposal, signed as for propose.")
  static final class Vote extends ApiCommand {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Parameters(index = "1", description = "The proposal id.")
    String proposal;

    @Parameters(index = "2", description = "yes or no.")
    String choice;

    @Option(names = "--admin-msp", description = "The member admin's MSP folder, to sign here.")
    Path adminMsp;

    @Override
    public Integer call() throws Exception {
      Choice chosen;
      try {
        chosen = Choice.valueOf(choice.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "vote yes or no");
      }
      String path = "/ledgers/" + ledger + "/proposals/" + proposal;
      JsonObject body;
      if (adminMsp == null) {
        body = new JsonObject().put("choice", chosen.name());
      } else {
        JsonObject shown = api.get(path);
        SignedGovernanceProposal signed =
            SignedGovernanceProposal.parseFrom(
                Base64.getDecoder().decode(shown.getString("signedProposal")));
        GovernanceBallot ballot =
            GovernanceDecisions.vote(signed, signer(adminMsp), chosen, Instant.now());
        body =
            new JsonObject()
                .put("ballot", Base64.getEncoder().encodeToString(ballot.toByteArray()));
      }
      JsonObject after = api.post(path + "/ballots", body);
      out()
          .printf(
              "voted %s on %s: %s (yes %s, no %s of %s)%n",
              chosen.name().toLowerCase(Locale.ROOT),
              proposal,
              after.getString("status"),
              after.getValue("yes", "-"),
              after.getValue("no", "-"),
              after.getValue("eligible", "-"));
      return 0;
    }
  }

  /** The admin's signer from its MSP folder; the MSP id comes from its certificate. */
  static NodeSigner signer(Path msp) throws Exception {
    NodeFiles.Signing signing = NodeFiles.readSigning(msp);
    String mspId =
        io.patchwork.ca.Subjects.mspIdOf(signing.certificate())
            .orElseThrow(() -> new IOException(msp + ": the certificate names no MSP id"));
    return NodeSigner.of(mspId, signing.certificate(), signing.key());
  }

  static X509Certificate certificate(String pem) throws Exception {
    return Pem.readCertificates(pem).get(0);
  }

  static KeyPair newKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }
}
