package io.patchwork.manager.cli;

import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.Csr;
import io.patchwork.ca.MspBundle;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.host.NodeCommand;
import io.patchwork.node.host.NodeFiles;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code patchwork invite|join}: inviting a member, and joining as one — the member's keys and CSRs
 * are made on its own machine and never leave it.
 */
final class MemberCommands {
  private MemberCommands() {}

  @Command(
      name = "invites",
      description =
          "List a ledger's invites: who, status, expiry (tokens are never kept or shown).")
  static final class Invites extends Api.Command {
    @Mixin Api.Output output;

    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Override
    public Integer call() throws Exception {
      JsonObject answer = api.get("/ledgers/" + ledger + "/invites");
      if (output.printedAsJson(out(), answer)) {
        return 0;
      }
      JsonArray invites = answer.getJsonArray("invites");
      out().printf("%-38s %-16s %-10s %s%n", "INVITE", "MSP", "STATUS", "EXPIRES");
      for (int i = 0; i < invites.size(); i++) {
        JsonObject invite = invites.getJsonObject(i);
        out()
            .printf(
                "%-38s %-16s %-10s %s%n",
                invite.getString("id"),
                invite.getString("mspId"),
                invite.getString("status"),
                invite.getString("expiresAt"));
      }
      return 0;
    }
  }

  @Command(
      name = "cancel-invite",
      description = "Cancel an open invite: its token no longer works.")
  static final class CancelInvite extends Api.Command {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Parameters(index = "1", description = "The invite's id (patchwork invites lists them).")
    String invite;

    @Override
    public Integer call() throws Exception {
      JsonObject cancelled =
          api.call("DELETE", "/ledgers/" + ledger + "/invites/" + invite, null, true);
      out()
          .printf(
              "invite %s for %s: %s%n",
              invite, cancelled.getString("mspId"), cancelled.getString("status"));
      return 0;
    }
  }

  @Command(name = "invite", description = "Invite a member organisation's admin.")
  static final class Invite extends Api.Command {
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
              + " client/msp, client/tls, connection-profile.json and api-token under --out."
              + " With --run-peer, also runs a peer of the member's own (peer/ under --out).")
  static final class Join extends Api.Command {
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

    @Option(
        names = "--run-peer",
        description =
            "Run a peer of our own here (the invite must allow --nodes 1 or more): its keys and"
                + " CSRs are made here, the genesis block and a snapshot are fetched, the snapshot"
                + " is checked against the ledger's signed chain, and the peer runs until stopped"
                + " (Ctrl-C); the command printed restarts it on its data.")
    boolean runPeer;

    @Option(
        names = "--with-orderer",
        description =
            "Also certify an orderer of our own under this node id (the invite must allow one more"
                + " node): its keys and CSRs are made here and it is written to orderer/ under"
                + " --out, ready to be voted in (patchwork propose --add-orderer) and run (node run"
                + " --added-orderer). Its TLS certificate names --advertise.")
    String ordererName;

    @Option(
        names = "--peer-name",
        description = "Our peer's node id (default: the MSP id in lower case, then -peer).")
    String peerName;

    @Option(
        names = "--advertise",
        defaultValue = "127.0.0.1",
        description =
            "The host name or IP other machines reach our peer at; its TLS certificate names it"
                + " (default: ${DEFAULT-VALUE}, reachable from this machine only).")
    String advertise;

    @Option(
        names = "--peer-port",
        defaultValue = "7051",
        description = "The port our peer serves on (default: ${DEFAULT-VALUE}).")
    int peerPort;

    @Option(
        names = "--bind",
        defaultValue = "0.0.0.0",
        description = "The address our peer listens on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Override
    public Integer call() throws Exception {
      if (Files.exists(out)) {
        throw new CommandLine.ParameterException(spec.commandLine(), out + " exists already");
      }
      if (runPeer && (peerPort < 1 || peerPort > 65535)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--peer-port must be 1 to 65535, not " + peerPort);
      }
      KeyPair admin = Api.newKey();
      KeyPair client = Api.newKey();
      KeyPair clientTls = Api.newKey();
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
      String peerId = peerName != null ? peerName : mspId.toLowerCase(Locale.ROOT) + "-peer";
      KeyPair peer = null;
      KeyPair peerTls = null;
      if (runPeer) {
        peer = Api.newKey();
        peerTls = Api.newKey();
        addNodeCsrs(csrs, peerId, Role.PEER, peer, peerTls);
      }
      KeyPair orderer = null;
      KeyPair ordererTls = null;
      if (ordererName != null) {
        orderer = Api.newKey();
        ordererTls = Api.newKey();
        addNodeCsrs(csrs, ordererName, Role.ORDERER, orderer, ordererTls);
      }
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
        chain.add(Api.certificate((String) pem));
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
      if (ordererName != null) {
        Path folder = out.resolve("orderer");
        writeNodeFolder(folder, redeemed, chain, "ORDERER", orderer, ordererTls);
        out()
            .printf(
                "our orderer %s is certified (folder %s). Have it voted in with%n"
                    + "  patchwork propose %s --add-orderer %s --orderer-host %s"
                    + " --orderer-port <port> --orderer-raft-port <port> --admin-msp %s%n"
                    + "then run it with%n"
                    + "  patchwork node run --added-orderer --genesis %s --node-id %s --msp %s"
                    + " --tls %s --data-dir %s --bind %s%n",
                ordererName,
                folder,
                ledger,
                folder,
                advertise,
                out.resolve("admin/msp"),
                folder.resolve(NodeFiles.GENESIS),
                ordererName,
                folder.resolve(NodeFiles.MSP),
                folder.resolve(NodeFiles.TLS),
                folder.resolve("data"),
                bind);
        out().flush();
      }
      if (runPeer) {
        return runOwnPeer(redeemed, chain, peerId, peer, peerTls);
      }
      if (redeemed.containsKey("hostedPeer")) {
        JsonObject hosted = redeemed.getJsonObject("hostedPeer");
        out()
            .println(
                hosted.containsKey("error")
                    ? "hosted peer not started: "
                        + hosted.getJsonObject("error").getString("message")
                    : "hosted peer "
                        + hosted.getString("id")
                        + " at "
                        + hosted.getString("endpoint"));
      }
      return 0;
    }

    /**
     * Writes our peer's folder (identities, genesis block, snapshot), puts the peer first in the
     * connection profile, and runs it in this process until it is stopped.
     */
    private int runOwnPeer(
        JsonObject redeemed,
        List<X509Certificate> chain,
        String peerId,
        KeyPair peer,
        KeyPair peerTls)
        throws Exception {
      Path folder = out.resolve("peer");
      writeNodeFolder(folder, redeemed, chain, "PEER", peer, peerTls);
      Path genesis = folder.resolve(NodeFiles.GENESIS);
      Path snapshot = folder.resolve("ledger.snapshot");
      api.download("/ledgers/" + ledger + "/snapshot", redeemed.getString("apiToken"), snapshot);
      JsonObject profile = redeemed.getJsonObject("connectionProfile");
      JsonArray peers = new JsonArray();
      peers.add(
          new JsonObject()
              .put("node", peerId)
              .put("mspId", mspId)
              .put("endpoint", advertise + ":" + peerPort));
      profile.getJsonArray("peers").forEach(peers::add);
      Files.writeString(
          out.resolve("connection-profile.json"), profile.put("peers", peers).encodePrettily());
      List<String> run =
          List.of(
              "run",
              "--genesis",
              genesis.toString(),
              "--node-id",
              peerId,
              "--msp",
              folder.resolve(NodeFiles.MSP).toString(),
              "--tls",
              folder.resolve(NodeFiles.TLS).toString(),
              "--data-dir",
              folder.resolve("data").toString(),
              "--port",
              Integer.toString(peerPort),
              "--bind",
              bind,
              "--advertise",
              advertise);
      out()
          .printf(
              "our peer %s will serve at %s:%d; after a stop, restart it on its data with:%n"
                  + "  patchwork node %s%n",
              peerId, advertise, peerPort, String.join(" ", run));
      out().flush();
      List<String> first = new ArrayList<>(run);
      first.add("--snapshot");
      first.add(snapshot.toString());
      return NodeCommand.execute(out(), spec.commandLine().getErr(), first.toArray(String[]::new));
    }

    /** Our node's signing and TLS CSRs; the TLS one names the address it is reached at. */
    private void addNodeCsrs(JsonArray csrs, String nodeId, Role role, KeyPair signing, KeyPair tls)
        throws Exception {
      csrs.add(
          csr("SIGNING", signing, CertificateRequest.signing(nodeId, role, organization, mspId)));
      csrs.add(
          csr(
              "TLS",
              tls,
              CertificateRequest.tls(
                  nodeId,
                  role,
                  organization,
                  mspId,
                  NodeAddresses.certifiedNames(advertise),
                  NodeAddresses.certifiedIps(advertise))));
    }

    /**
     * Writes a node folder ({@code msp/}, {@code tls/}, {@code genesis.block}) for our node of
     * {@code role} from the certificates the redemption issued and the keys made here.
     */
    private void writeNodeFolder(
        Path folder,
        JsonObject redeemed,
        List<X509Certificate> chain,
        String role,
        KeyPair signing,
        KeyPair tls)
        throws Exception {
      List<X509Certificate> tlsChain = new ArrayList<>();
      tlsChain.add(issued(redeemed, role, "TLS"));
      tlsChain.addAll(chain.subList(0, chain.size() - 1));
      NodeFiles.write(
          folder,
          chain,
          new NodeFiles.Credentials(
              issued(redeemed, role, "SIGNING"), signing.getPrivate(), tlsChain, tls.getPrivate()));
      api.download(
          "/ledgers/" + ledger + "/genesis",
          redeemed.getString("apiToken"),
          folder.resolve(NodeFiles.GENESIS));
    }

    private static X509Certificate issued(JsonObject redeemed, String role, String profile)
        throws Exception {
      JsonArray certificates = redeemed.getJsonArray("certificates");
      for (int i = 0; i < certificates.size(); i++) {
        JsonObject issued = certificates.getJsonObject(i);
        if (issued.getString("role").equals(role) && issued.getString("profile").equals(profile)) {
          return Api.certificate(issued.getString("pem"));
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
}
