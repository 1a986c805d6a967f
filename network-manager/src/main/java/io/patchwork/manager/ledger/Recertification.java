package io.patchwork.manager.ledger;

import com.google.protobuf.ByteString;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateProfile;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.Csr;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.patchwork.ca.Subjects;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.RetiringRoot;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the peers this manager runs for a ledger to the authority its members chose, once they
 * voted to replace the manager's ("fire the referee"): the manager makes new keys for each peer and
 * shows certificate requests for them; whoever holds the new authority answers them; the manager
 * checks the certificates against the ledger's config and restarts each peer with its new
 * identities, before the old authority's grace period ends.
 *
 * <p>The new keys wait under the ledger's directory ({@code recertification/}, readable by the
 * manager only) until their certificates arrive, so a restart in between loses nothing. Orderers
 * keep their certificates: the config names them by certificate, not by authority.
 */
public final class Recertification {
  private static final Logger log = LoggerFactory.getLogger(Recertification.class);

  /** The most certificates one request may carry: two per peer of a 100-node ledger. */
  public static final int MAX_CERTIFICATES = 200;

  private static final String DIRECTORY = "recertification";

  /** Beside a new peer's pending keys: the file naming its member ({@code <node id>.new-peer}). */
  private static final String NEW_PEER = ".new-peer";

  private final LedgerService ledgers;

  public Recertification(LedgerService ledgers) {
    this.ledgers = ledgers;
  }

  /**
   * What a peer's new certificate must say; {@code csr} is the PEM request, signed with the key the
   * manager keeps for it.
   */
  public record Request(
      String nodeId,
      String mspId,
      String organization,
      CertificateProfile profile,
      String csr,
      List<String> dnsNames,
      List<String> ipAddresses) {}

  /**
   * A peer given certificates of the members' authority: one running here before, restarted with
   * them, or a new member's, started with them ({@code started}).
   */
  public record Recertified(String nodeId, String mspId, String signingSerial, boolean started) {}

  /**
   * A hosted peer asked for a member: started at once while the ledger trusts this manager's
   * authority, else waiting for the members' authority to answer its certificate requests.
   */
  public record PeerHosting(
      String nodeId, String mspId, Optional<HostedNode> started, List<Request> requests) {}

  /**
   * A peer for a member that runs none here — one the members voted in. While the ledger trusts
   * this manager's authority, it certifies the peer and starts it now. Once the members replaced
   * it, the manager makes the peer's keys and answers with its signing and TLS requests, which
   * {@link #requests} lists too; the peer starts from a snapshot when {@link #install} gets their
   * certificates (asked again, the same requests).
   *
   * @throws Refusal LEDGER_NOT_FOUND, LEDGER_NOT_ACTIVE, NOT_A_MEMBER, PEER_EXISTS,
   *     PEER_NOT_STARTED
   */
  public PeerHosting hostPeer(String id, String mspId)
      throws Refusal, SQLException, CaException, IOException, GeneralSecurityException {
    HostedLedger ledger = ledgers.activeLedger(id);
    if (ledgers.trustsOwnAuthority(id, ledger.config())) {
      HostedNode peer = ledgers.hostPeer(id, mspId);
      return new PeerHosting(peer.nodeId(), mspId, Optional.of(peer), List.of());
    }
    synchronized (ledger) {
      LedgerConfig config = ledger.config();
      String organization =
          organization(config, mspId)
              .orElseThrow(
                  () ->
                      new Refusal(
                          ApiError.NOT_A_MEMBER, mspId + " is not a member of ledger " + id));
      if (ledger.peerOf(mspId).isPresent()) {
        throw new Refusal(
            ApiError.PEER_EXISTS, mspId + " already has a peer running on ledger " + id);
      }
      Path pending = Files.createDirectories(directory(id));
      Map<String, String> awaiting = newPeers(pending);
      String nodeId =
          awaiting.entrySet().stream()
              .filter(entry -> entry.getValue().equals(mspId))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElse(null);
      if (nodeId == null) {
        nodeId = freeNodeId(ledger, config, awaiting.keySet());
        Files.writeString(
            pending.resolve(nodeId + NEW_PEER), mspId + "\n", StandardCharsets.US_ASCII);
        log.info(
            "ledger.peer_awaits_certificates ledger={} node={} msp={} hint=\"the members'"
                + " authority certifies it: patchwork authority recertify {}\"",
            id,
            nodeId,
            mspId,
            id);
      }
      return new PeerHosting(
          nodeId,
          mspId,
          Optional.empty(),
          requestsOf(pending, nodeId, organization, mspId, host(ledger)));
    }
  }

  /** The new peers waiting for certificates: node id to MSP id. */
  private static Map<String, String> newPeers(Path pending) throws IOException {
    Map<String, String> peers = new TreeMap<>();
    if (!Files.isDirectory(pending)) {
      return peers;
    }
    try (Stream<Path> files = Files.list(pending)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(NEW_PEER)).toList()) {
        String name = file.getFileName().toString();
        peers.put(
            name.substring(0, name.length() - NEW_PEER.length()),
            Files.readString(file, StandardCharsets.US_ASCII).strip());
      }
    }
    return peers;
  }

  /** The first {@code peer<n>} no node of the ledger, running or in its config, has. */
  private static String freeNodeId(HostedLedger ledger, LedgerConfig config, Set<String> awaiting) {
    Set<String> taken = new HashSet<>(awaiting);
    ledger.nodes().forEach(node -> taken.add(node.nodeId()));
    config.getPeersList().forEach(peer -> taken.add(peer.getNodeId()));
    config.getOrderersList().forEach(orderer -> taken.add(orderer.getNodeId()));
    for (int index = config.getPeersCount(); ; index++) {
      if (!taken.contains("peer" + index)) {
        return "peer" + index;
      }
    }
  }

  /** The address the manager's peers of the ledger are reached at. */
  private static String host(HostedLedger ledger) throws Refusal {
    return ledger.peers().stream()
        .findFirst()
        .map(HostedNode::host)
        .orElseThrow(
            () ->
                new Refusal(
                    ApiError.LEDGER_NOT_RUNNING,
                    "no peer of ledger " + ledger.ledgerId() + " runs here"));
  }

  /** The signing and TLS requests of a peer's pending keys (made now if there are none). */
  private static List<Request> requestsOf(
      Path pending, String nodeId, String organization, String mspId, String host)
      throws IOException, GeneralSecurityException, CaException {
    List<Request> requests = new ArrayList<>();
    for (CertificateRequest request : requestsFor(nodeId, organization, mspId, host)) {
      KeyPair key = pendingKey(pending, nodeId, request.profile());
      requests.add(
          new Request(
              nodeId,
              mspId,
              organization,
              request.profile(),
              Pem.certificateRequest(Csr.create(key, request)),
              request.dnsNames(),
              request.ipAddresses().stream().map(InetAddress::getHostAddress).toList()));
    }
    return requests;
  }

  /**
   * The certificate requests of every peer this manager runs for a member of the ledger that is not
   * yet certified by the members' authority: a signing and a TLS request each. Empty when all are.
   *
   * @throws Refusal LEDGER_NOT_FOUND, LEDGER_NOT_RUNNING, or AUTHORITY_NOT_REPLACED while the
   *     ledger still trusts this manager's authority
   */
  public List<Request> requests(String id)
      throws Refusal, SQLException, CaException, IOException, GeneralSecurityException {
    HostedLedger ledger = ledgers.runningLedger(id);
    synchronized (ledger) {
      LedgerConfig config = ledger.config();
      List<X509Certificate> roots = membersRoots(id, config);
      Path pending = Files.createDirectories(directory(id));
      List<Request> requests = new ArrayList<>();
      for (HostedNode peer : ledger.peers()) {
        String nodeId = peer.nodeId();
        if (issuedBy(ledger.signingCertificate(nodeId), roots)) {
          continue;
        }
        String mspId = peer.mspId();
        Optional<String> organization = organization(config, mspId);
        if (organization.isEmpty()) {
          continue; // Its organisation was voted out: nothing to certify it for.
        }
        requests.addAll(requestsOf(pending, nodeId, organization.get(), mspId, peer.host()));
      }
      for (Map.Entry<String, String> peer : newPeers(pending).entrySet()) {
        Optional<String> organization = organization(config, peer.getValue());
        if (organization.isEmpty() || ledger.peerOf(peer.getValue()).isPresent()) {
          forgetNewPeer(pending, peer.getKey()); // voted out meanwhile, or hosted otherwise
          continue;
        }
        requests.addAll(
            requestsOf(pending, peer.getKey(), organization.get(), peer.getValue(), host(ledger)));
      }
      return requests;
    }
  }

  /**
   * Installs certificates answering {@link #requests}: each PEM holds a certificate, optionally
   * followed by the intermediates above it. Every certificate is checked before any peer changes —
   * it certifies a key the manager is waiting on, names that peer's MSP id and the peer role,
   * chains to the members' authority now, and is of the right kind — and a peer changes only with
   * both its certificates. Each recertified peer restarts with its new identities.
   *
   * @throws Refusal LEDGER_NOT_FOUND, LEDGER_NOT_RUNNING, AUTHORITY_NOT_REPLACED, or for the
   *     certificates: MALFORMED_CERTIFICATE, TOO_MANY_CERTIFICATES, UNKNOWN_KEY,
   *     UNTRUSTED_CERTIFICATE, WRONG_SUBJECT, WRONG_PROFILE or INCOMPLETE_PEER
   */
  public List<Recertified> install(String id, List<String> pems)
      throws Refusal, SQLException, CaException, IOException, GeneralSecurityException {
    if (pems.isEmpty() || pems.size() > MAX_CERTIFICATES) {
      throw new Refusal(
          ApiError.TOO_MANY_CERTIFICATES,
          "send 1 to " + MAX_CERTIFICATES + " certificates, not " + pems.size());
    }
    HostedLedger ledger = ledgers.runningLedger(id);
    synchronized (ledger) {
      LedgerConfig config = ledger.config();
      Map<String, String> mspIds = new LinkedHashMap<>();
      ledger.peers().forEach(peer -> mspIds.put(peer.nodeId(), peer.mspId()));
      List<X509Certificate> roots = membersRoots(id, config);
      Path pending = directory(id);
      Map<String, String> newPeers = newPeers(pending);
      newPeers.forEach(mspIds::putIfAbsent);
      Map<String, Waiting> waiting = waiting(ledger, pending);
      Map<String, Map<CertificateProfile, List<X509Certificate>>> answered = new LinkedHashMap<>();
      for (int index = 0; index < pems.size(); index++) {
        List<X509Certificate> chain = chain(index, pems.get(index));
        X509Certificate leaf = chain.get(0);
        Waiting key = waiting.get(encoded(leaf.getPublicKey()));
        if (key == null) {
          throw new Refusal(
              ApiError.UNKNOWN_KEY,
              "certificate "
                  + index
                  + " ("
                  + leaf.getSubjectX500Principal().getName()
                  + ") certifies no key this manager asked for; fetch the requests again");
        }
        check(index, leaf, chain, key, mspIds.get(key.nodeId()), roots);
        List<X509Certificate> previous =
            answered
                .computeIfAbsent(key.nodeId(), node -> new LinkedHashMap<>())
                .put(key.profile(), chain);
        if (previous != null) {
          throw new Refusal(
              ApiError.INCOMPLETE_PEER,
              "certificate " + index + " certifies the same key as one before it");
        }
      }
      for (Map.Entry<String, Map<CertificateProfile, List<X509Certificate>>> node :
          answered.entrySet()) {
        if (node.getValue().size() != 2) {
          throw new Refusal(
              ApiError.INCOMPLETE_PEER,
              "peer "
                  + node.getKey()
                  + " needs its signing and its TLS certificate in the same request");
        }
      }
      List<Recertified> done = new ArrayList<>();
      for (Map.Entry<String, Map<CertificateProfile, List<X509Certificate>>> node :
          answered.entrySet()) {
        String nodeId = node.getKey();
        List<X509Certificate> signing = node.getValue().get(CertificateProfile.SIGNING);
        List<X509Certificate> tls = node.getValue().get(CertificateProfile.TLS);
        String mspId = mspIds.get(nodeId);
        PrivateKey signingKey = readKey(pending, nodeId, CertificateProfile.SIGNING).getPrivate();
        PrivateKey tlsKey = readKey(pending, nodeId, CertificateProfile.TLS).getPrivate();
        boolean started = newPeers.containsKey(nodeId);
        if (started) {
          try {
            HostedNode peer =
                ledger.addMemberPeer(
                    nodeId,
                    organization(config, mspId).orElse(mspId),
                    mspId,
                    signing.get(0),
                    signingKey,
                    tls,
                    tlsKey,
                    authorityChain(signing, roots));
            ledgers.peerHosted(id, ledger, peer);
          } catch (LedgerException e) {
            // Its keys stay pending: the same certificates may be sent again.
            throw new Refusal(
                ApiError.PEER_NOT_STARTED,
                "peer " + nodeId + " could not be started: " + e.getMessage());
          }
        } else {
          try {
            ledger.recertifyPeer(
                nodeId, signing.get(0), signingKey, tls, tlsKey, authorityChain(signing, roots));
          } catch (LedgerException e) {
            throw new IllegalStateException(e.getMessage(), e);
          }
        }
        forgetNewPeer(pending, nodeId);
        String serial = signing.get(0).getSerialNumber().toString(16);
        log.info(
            "ledger.peer_recertified ledger={} node={} msp={} serial={} issuer=\"{}\" started={}",
            id,
            nodeId,
            mspId,
            serial,
            signing.get(0).getIssuerX500Principal().getName(),
            started);
        done.add(new Recertified(nodeId, mspId, serial, started));
      }
      ledgers.keepCustody(id);
      return done;
    }
  }

  /** The trust roots of a config that are not retiring: the authority the members chose. */
  public static List<X509Certificate> currentRoots(LedgerConfig config) {
    Set<String> retiring = new HashSet<>();
    for (RetiringRoot root : config.getRetiringRootsList()) {
      retiring.add(normalized(root.getCertificate().toStringUtf8()));
    }
    List<X509Certificate> roots = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Member member : config.getMembersList()) {
      for (ByteString pem : member.getRootCertificatesList()) {
        String text = normalized(pem.toStringUtf8());
        if (!retiring.contains(text) && seen.add(text)) {
          try {
            roots.addAll(Pem.readCertificates(text));
          } catch (CertificateException e) {
            throw new IllegalStateException("a checked config holds an unreadable root", e);
          }
        }
      }
    }
    return List.copyOf(roots);
  }

  /** The roots of the authority the members chose, once it is no longer this manager's. */
  private List<X509Certificate> membersRoots(String id, LedgerConfig config)
      throws Refusal, CaException {
    if (ledgers.trustsOwnAuthority(id, config)) {
      throw new Refusal(
          ApiError.AUTHORITY_NOT_REPLACED,
          "ledger "
              + id
              + " still trusts this manager's authority; its peers need new certificates only"
              + " after the members vote to replace it");
    }
    return currentRoots(config);
  }

  private static String normalized(String pem) {
    return pem.replace("\r", "").strip();
  }

  /** A peer's signing and TLS requests; the TLS one names the address the peer is reached at. */
  private static List<CertificateRequest> requestsFor(
      String nodeId, String organization, String mspId, String host) {
    return List.of(
        CertificateRequest.signing(nodeId, Role.PEER, organization, mspId),
        CertificateRequest.tls(
            nodeId,
            Role.PEER,
            organization,
            mspId,
            NodeAddresses.certifiedNames(host),
            NodeAddresses.certifiedIps(host)));
  }

  private static Optional<String> organization(LedgerConfig config, String mspId) {
    return config.getMembersList().stream()
        .filter(member -> member.getMspId().equals(mspId))
        .map(Member::getOrganization)
        .findFirst();
  }

  private record Waiting(String nodeId, CertificateProfile profile) {}

  private static String encoded(PublicKey key) {
    return Base64.getEncoder().encodeToString(key.getEncoded());
  }

  /** Deletes a peer's pending keys, and its entry if it is a new one. */
  private static void forgetNewPeer(Path pending, String nodeId) throws IOException {
    for (CertificateProfile profile : CertificateProfile.values()) {
      Files.deleteIfExists(keyFile(pending, nodeId, profile));
      Files.deleteIfExists(publicKeyFile(pending, nodeId, profile));
    }
    Files.deleteIfExists(pending.resolve(nodeId + NEW_PEER));
  }

  private static Map<String, Waiting> waiting(HostedLedger ledger, Path pending)
      throws IOException, GeneralSecurityException {
    Map<String, Waiting> waiting = new LinkedHashMap<>();
    List<String> nodeIds =
        new ArrayList<>(ledger.peers().stream().map(HostedNode::nodeId).toList());
    nodeIds.addAll(newPeers(pending).keySet());
    for (String nodeId : nodeIds) {
      for (CertificateProfile profile : CertificateProfile.values()) {
        if (Files.exists(publicKeyFile(pending, nodeId, profile))) {
          waiting.put(
              encoded(readKey(pending, nodeId, profile).getPublic()), new Waiting(nodeId, profile));
        }
      }
    }
    return waiting;
  }

  private static List<X509Certificate> chain(int index, String pem) throws Refusal {
    try {
      List<X509Certificate> chain = Pem.readCertificates(pem);
      if (!chain.isEmpty()) {
        return chain;
      }
    } catch (CertificateException | RuntimeException e) {
      // Answered below.
    }
    throw new Refusal(
        ApiError.MALFORMED_CERTIFICATE, "certificate " + index + " is not a PEM X.509 certificate");
  }

  private static void check(
      int index,
      X509Certificate leaf,
      List<X509Certificate> chain,
      Waiting key,
      String mspId,
      List<X509Certificate> roots)
      throws Refusal {
    String subject = leaf.getSubjectX500Principal().getName();
    if (!Subjects.mspIdOf(leaf).map(mspId::equals).orElse(false)
        || !attributes(leaf, "OU").contains(Role.PEER.name().toLowerCase(Locale.ROOT))) {
      throw new Refusal(
          ApiError.WRONG_SUBJECT,
          "certificate "
              + index
              + " ("
              + subject
              + ") must name MSP id "
              + mspId
              + " and role peer for "
              + key.nodeId());
    }
    boolean tls = hasTlsUsage(leaf);
    if (tls != (key.profile() == CertificateProfile.TLS)) {
      throw new Refusal(
          ApiError.WRONG_PROFILE,
          "certificate "
              + index
              + " answers the "
              + key.profile().name().toLowerCase(Locale.ROOT)
              + " request of "
              + key.nodeId()
              + (tls
                  ? " but is a TLS certificate"
                  : " but lacks the serverAuth and clientAuth key usages"));
    }
    try {
      validate(chain, roots);
    } catch (GeneralSecurityException e) {
      throw new Refusal(
          ApiError.UNTRUSTED_CERTIFICATE,
          "certificate "
              + index
              + " ("
              + subject
              + ") does not chain to the authority the members chose: "
              + e.getMessage());
    }
  }

  private static boolean hasTlsUsage(X509Certificate certificate) {
    try {
      List<String> usages = certificate.getExtendedKeyUsage();
      return usages != null
          && usages.contains("1.3.6.1.5.5.7.3.1")
          && usages.contains("1.3.6.1.5.5.7.3.2");
    } catch (CertificateException e) {
      return false;
    }
  }

  private static List<String> attributes(X509Certificate certificate, String type) {
    try {
      List<String> values = new ArrayList<>();
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase(type)) {
          values.add(String.valueOf(rdn.getValue()));
        }
      }
      return values;
    } catch (InvalidNameException e) {
      return List.of();
    }
  }

  private static void validate(List<X509Certificate> chain, List<X509Certificate> roots)
      throws GeneralSecurityException {
    Set<TrustAnchor> anchors = new HashSet<>();
    roots.forEach(root -> anchors.add(new TrustAnchor(root, null)));
    PKIXParameters parameters = new PKIXParameters(anchors);
    parameters.setRevocationEnabled(false);
    List<X509Certificate> path = chain.stream().filter(c -> !roots.contains(c)).toList();
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
  }

  private static boolean issuedBy(X509Certificate certificate, List<X509Certificate> roots) {
    try {
      validate(List.of(certificate), roots);
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** The issuing chain above a leaf: its intermediates, then the root it validated against. */
  private static List<X509Certificate> authorityChain(
      List<X509Certificate> chain, List<X509Certificate> roots) {
    List<X509Certificate> above = new ArrayList<>(chain.subList(1, chain.size()));
    above.removeAll(roots);
    X509Certificate top = above.isEmpty() ? chain.get(0) : above.get(above.size() - 1);
    for (X509Certificate root : roots) {
      if (root.getSubjectX500Principal().equals(top.getIssuerX500Principal())) {
        above.add(root);
        break;
      }
    }
    return above;
  }

  private Path directory(String id) {
    return ledgers.ledgerDirectory(id).resolve(DIRECTORY);
  }

  private static Path keyFile(Path pending, String nodeId, CertificateProfile profile) {
    return pending.resolve(nodeId + "." + profile.name().toLowerCase(Locale.ROOT) + ".key");
  }

  private static Path publicKeyFile(Path pending, String nodeId, CertificateProfile profile) {
    return pending.resolve(nodeId + "." + profile.name().toLowerCase(Locale.ROOT) + ".pub");
  }

  /** The key waiting for a certificate, made (and kept, owner-only) on first ask. */
  private static KeyPair pendingKey(Path pending, String nodeId, CertificateProfile profile)
      throws IOException, GeneralSecurityException {
    if (Files.exists(publicKeyFile(pending, nodeId, profile))) {
      return readKey(pending, nodeId, profile);
    }
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair key = generator.generateKeyPair();
    Path privateFile = keyFile(pending, nodeId, profile);
    Files.deleteIfExists(privateFile);
    Files.writeString(
        Files.createFile(
            privateFile,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
        Pem.privateKey(key.getPrivate()),
        StandardCharsets.US_ASCII);
    // The public half is written last: its presence says the pair is complete.
    Files.writeString(
        publicKeyFile(pending, nodeId, profile),
        Base64.getEncoder().encodeToString(key.getPublic().getEncoded()),
        StandardCharsets.US_ASCII);
    return key;
  }

  private static KeyPair readKey(Path pending, String nodeId, CertificateProfile profile)
      throws IOException, GeneralSecurityException {
    PrivateKey privateKey =
        Pem.readPrivateKey(
            Files.readString(keyFile(pending, nodeId, profile), StandardCharsets.US_ASCII));
    byte[] encoded =
        Base64.getDecoder()
            .decode(
                Files.readString(publicKeyFile(pending, nodeId, profile), StandardCharsets.US_ASCII)
                    .strip());
    PublicKey publicKey =
        KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(encoded));
    return new KeyPair(publicKey, privateKey);
  }
}
