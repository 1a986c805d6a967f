package io.patchwork.manager;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.Csr;
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
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;

/**
 * A member organisation's side, as its own tooling would do it: keys made and kept here, CSRs sent
 * with the invite token, and the official Fabric Gateway client connected with what the redemption
 * returned (certificates, TLS roots, endpoints) — nothing from the manager's insides.
 */
public final class MemberKit implements AutoCloseable {
  private final String organization;
  private final String mspId;
  private final KeyPair admin = newKey();
  private final KeyPair client = newKey();
  private final KeyPair clientTls = newKey();
  private final KeyPair peer = newKey();
  private final KeyPair peerTls = newKey();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Gateway> gateways = new ArrayList<>();
  private JsonObject redeemed;

  public MemberKit(String organization, String mspId) throws Exception {
    this.organization = organization;
    this.mspId = mspId;
  }

  /** The redeem request: an admin and a client signing CSR, and a client TLS CSR. */
  public String redeemRequest(String token) throws Exception {
    return redeemRequest(token, organization);
  }

  /** The redeem request with CSRs naming {@code subjectOrganization} (to test a mismatch). */
  public String redeemRequest(String token, String subjectOrganization) throws Exception {
    return redeemRequest(token, subjectOrganization, false);
  }

  /** The redeem request, asking the manager to host a peer for the member when {@code hosted}. */
  public String redeemRequest(String token, String subjectOrganization, boolean hosted)
      throws Exception {
    return new JsonObject()
        .put("token", token)
        .put("hostedPeer", hosted)
        .put(
            "csrs",
            new JsonArray()
                .add(
                    csr(
                        "SIGNING",
                        admin,
                        CertificateRequest.signing(
                            "admin", Role.ADMIN, subjectOrganization, mspId)))
                .add(
                    csr(
                        "SIGNING",
                        client,
                        CertificateRequest.signing("app", Role.CLIENT, subjectOrganization, mspId)))
                .add(
                    csr(
                        "TLS",
                        clientTls,
                        CertificateRequest.tls(
                            "app",
                            Role.CLIENT,
                            subjectOrganization,
                            mspId,
                            List.of("localhost"),
                            List.of(InetAddress.getLoopbackAddress())))))
        .encode();
  }

  /**
   * The redeem request of a member that runs a peer of its own: admin, client and client TLS CSRs,
   * then the peer's signing and TLS CSRs (its TLS certificate names localhost and 127.0.0.1).
   */
  public String redeemRequestWithOwnPeer(String token, String peerName) throws Exception {
    JsonObject request = new JsonObject(redeemRequest(token));
    request
        .getJsonArray("csrs")
        .add(
            csr(
                "SIGNING",
                peer,
                CertificateRequest.signing(peerName, Role.PEER, organization, mspId)))
        .add(
            csr(
                "TLS",
                peerTls,
                CertificateRequest.tls(
                    peerName,
                    Role.PEER,
                    organization,
                    mspId,
                    List.of("localhost"),
                    List.of(InetAddress.getLoopbackAddress()))));
    return request.encode();
  }

  /**
   * Writes the folder {@code patchwork node run} starts the member's own peer from ({@code msp/},
   * {@code tls/}), from the redemption's peer certificates and the keys kept here.
   */
  public void writeOwnPeerFolder(Path directory) throws Exception {
    List<X509Certificate> chain = new ArrayList<>();
    for (Object pem : redeemed.getJsonArray("chain")) {
      chain.add(x509((String) pem));
    }
    List<X509Certificate> tlsChain = new ArrayList<>();
    tlsChain.add(x509(certificate("PEER", "TLS")));
    tlsChain.addAll(chain.subList(0, chain.size() - 1));
    NodeFiles.write(
        directory,
        chain,
        new NodeFiles.Credentials(
            x509(certificate("PEER", "SIGNING")),
            peer.getPrivate(),
            tlsChain,
            peerTls.getPrivate()));
  }

  private static X509Certificate x509(String pem) throws Exception {
    return Pem.readCertificates(pem).get(0);
  }

  /**
   * The redeem request of a member that leaves its admin identity with the manager: only a client
   * CSR travels; the manager issues and keeps the admin key.
   */
  public String redeemRequestKeepingAdminThere(String token) throws Exception {
    return new JsonObject()
        .put("token", token)
        .put("hostedAdmin", true)
        .put(
            "csrs",
            new JsonArray()
                .add(
                    csr(
                        "SIGNING",
                        client,
                        CertificateRequest.signing("app", Role.CLIENT, organization, mspId)))
                .add(
                    csr(
                        "TLS",
                        clientTls,
                        CertificateRequest.tls(
                            "app",
                            Role.CLIENT,
                            organization,
                            mspId,
                            List.of("localhost"),
                            List.of(InetAddress.getLoopbackAddress())))))
        .encode();
  }

  /** Keeps what a successful redemption returned. */
  public void redeemed(JsonObject response) {
    this.redeemed = response;
  }

  public JsonObject redemption() {
    return redeemed;
  }

  public String apiToken() {
    return redeemed.getString("apiToken");
  }

  private static JsonObject csr(String profile, KeyPair key, CertificateRequest request)
      throws Exception {
    String pem = Pem.certificateRequest(Csr.create(key, request));
    return new JsonObject().put("profile", profile).put("pem", pem);
  }

  /**
   * A certificate issued at redemption (PEM): role CLIENT, ADMIN or PEER; profile SIGNING or TLS.
   */
  public String certificatePem(String role, String profile) {
    return certificate(role, profile);
  }

  /**
   * Opens a TLS connection to {@code endpoint} with the member's client TLS certificate, as a gRPC
   * client would (ALPN h2), and waits briefly for the server's verdict on it: returns once the
   * server, having accepted the certificate, waits for the client's first frames.
   *
   * @throws SSLException if the server refuses the certificate
   */
  public void tlsHandshake(String endpoint) throws Exception {
    List<X509Certificate> roots = new ArrayList<>();
    for (Object root :
        redeemed.getJsonObject("connectionProfile").getJsonArray("tlsRootCertificates")) {
      roots.add(x509((String) root));
    }
    try (SSLSocket socket =
        TlsProbe.open(
            endpoint, roots, clientTls.getPrivate(), x509(certificate("CLIENT", "TLS")))) {
      // TLS 1.3: a server that refuses the client's certificate says so after the handshake.
      try {
        socket.getInputStream().read();
      } catch (SocketTimeoutException accepted) {
        return;
      }
    }
  }

  private String certificate(String role, String profile) {
    JsonArray certificates = redeemed.getJsonArray("certificates");
    for (int i = 0; i < certificates.size(); i++) {
      JsonObject certificate = certificates.getJsonObject(i);
      if (certificate.getString("role").equals(role)
          && certificate.getString("profile").equals(profile)) {
        return certificate.getString("pem");
      }
    }
    throw new IllegalStateException("no " + role + " " + profile + " certificate was issued");
  }

  /**
   * Moves the member to another authority — the one its ledger's members voted in — as it would
   * enrol again there: the same keys, certified by {@code authority}, and the authority's root as
   * the TLS trust of its connections. Gateways opened before keep the old identities.
   */
  public void reenrol(CertificateAuthority authority) throws Exception {
    JsonArray certificates = redeemed.getJsonArray("certificates");
    JsonArray moved = new JsonArray();
    for (int i = 0; i < certificates.size(); i++) {
      JsonObject issued = certificates.getJsonObject(i);
      Role role = Role.valueOf(issued.getString("role"));
      boolean tls = issued.getString("profile").equals("TLS");
      KeyPair key =
          switch (role) {
            case ADMIN -> admin;
            case CLIENT -> tls ? clientTls : client;
            default -> null;
          };
      if (key == null) {
        continue;
      }
      CertificateRequest request =
          tls
              ? CertificateRequest.tls(
                  "app",
                  role,
                  organization,
                  mspId,
                  List.of("localhost"),
                  List.of(InetAddress.getLoopbackAddress()))
              : CertificateRequest.signing(
                  role == Role.ADMIN ? "admin" : "app", role, organization, mspId);
      String pem =
          Pem.certificate(authority.issue(Csr.create(key, request), request).certificate());
      moved.add(issued.copy().put("pem", pem));
    }
    redeemed.put("certificates", moved);
    redeemed
        .getJsonObject("connectionProfile")
        .put("tlsRootCertificates", new JsonArray().add(Pem.certificate(authority.trustRoot())));
  }

  /** The member admin's signer: its admin certificate and the key that never left this side. */
  public NodeSigner adminSigner() throws Exception {
    X509Certificate certificate = x509(certificate("ADMIN", "SIGNING"));
    return NodeSigner.of(mspId, certificate, admin.getPrivate());
  }

  /** A proposal signed with the admin key, as the request body the API takes. */
  public String propose(GovernanceProposal proposal) throws Exception {
    SignedGovernanceProposal signed = GovernanceDecisions.propose(proposal, adminSigner());
    return new JsonObject()
        .put("signedProposal", Base64.getEncoder().encodeToString(signed.toByteArray()))
        .encode();
  }

  /** A ballot on the proposal as the API showed it, signed with the admin key. */
  public String vote(JsonObject shownProposal, Choice choice) throws Exception {
    SignedGovernanceProposal signed =
        SignedGovernanceProposal.parseFrom(
            Base64.getDecoder().decode(shownProposal.getString("signedProposal")));
    GovernanceBallot ballot =
        GovernanceDecisions.vote(signed, adminSigner(), choice, Instant.now());
    return new JsonObject()
        .put("ballot", Base64.getEncoder().encodeToString(ballot.toByteArray()))
        .encode();
  }

  /**
   * A Fabric Gateway connection as the member's client identity, through the first peer of the
   * connection profile (the member's own), over mutual TLS.
   */
  public Gateway gateway() throws Exception {
    return gateway(
        redeemed
            .getJsonObject("connectionProfile")
            .getJsonArray("peers")
            .getJsonObject(0)
            .getString("endpoint"));
  }

  /** A Fabric Gateway connection as the member's client identity, through {@code endpoint}. */
  public Gateway gateway(String endpoint) throws Exception {
    return gateway(endpoint, certificate("CLIENT", "SIGNING"));
  }

  /**
   * A Fabric Gateway connection to another ledger — one made from this member's Fabric channel — as
   * the member's client identity, unchanged: through {@code endpoint}, trusting the TLS roots of
   * that ledger's connection profile.
   */
  public Gateway gatewayTo(JsonObject otherProfile, String endpoint) throws Exception {
    return gateway(
        endpoint,
        certificate("CLIENT", "SIGNING"),
        String.join("", otherProfile.getJsonArray("tlsRootCertificates").getList()));
  }

  /** The client's signing certificate (PEM), as issued now. */
  public String clientSigningCertificate() {
    return certificate("CLIENT", "SIGNING");
  }

  /**
   * A Fabric Gateway connection through the member's own peer over the member's current TLS
   * identity, signing with the client key under {@code signingCertificate} — one issued before.
   */
  public Gateway gatewaySigningAs(String signingCertificate) throws Exception {
    return gateway(
        redeemed
            .getJsonObject("connectionProfile")
            .getJsonArray("peers")
            .getJsonObject(0)
            .getString("endpoint"),
        signingCertificate);
  }

  private Gateway gateway(String endpoint, String signingCertificate) throws Exception {
    JsonObject profile = redeemed.getJsonObject("connectionProfile");
    return gateway(
        endpoint,
        signingCertificate,
        String.join("", profile.getJsonArray("tlsRootCertificates").getList()));
  }

  private Gateway gateway(String endpoint, String signingCertificate, String roots)
      throws Exception {
    ChannelCredentials credentials =
        TlsChannelCredentials.newBuilder()
            .trustManager(new ByteArrayInputStream(roots.getBytes(StandardCharsets.US_ASCII)))
            .keyManager(
                new ByteArrayInputStream(
                    certificate("CLIENT", "TLS").getBytes(StandardCharsets.US_ASCII)),
                new ByteArrayInputStream(
                    Pem.privateKey(clientTls.getPrivate()).getBytes(StandardCharsets.US_ASCII)))
            .build();
    int colon = endpoint.lastIndexOf(':');
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                endpoint.substring(0, colon),
                Integer.parseInt(endpoint.substring(colon + 1)),
                credentials)
            .build();
    channels.add(channel);
    X509Certificate signing = x509(signingCertificate);
    Gateway gateway =
        Gateway.newInstance()
            .identity(new X509Identity(mspId, signing))
            .signer(Signers.newPrivateKeySigner(client.getPrivate()))
            .connection(channel)
            .connect();
    gateways.add(gateway);
    return gateway;
  }

  private static KeyPair newKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  /** Closes the member's connections; {@link #gateway} opens new ones. */
  @Override
  public void close() {
    gateways.forEach(Gateway::close);
    channels.forEach(ManagedChannel::shutdownNow);
    gateways.clear();
    channels.clear();
  }
}
