package io.patchwork.node.config;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.ca.Pem;
import io.patchwork.node.config.ConfigException.Code;
import io.patchwork.node.config.proto.BlockCutting;
import io.patchwork.node.config.proto.CommitStatusPolicy;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.PinnedContract;
import io.patchwork.node.config.proto.RetiringRoot;
import io.patchwork.node.identity.IdentityCheck;
import io.patchwork.node.net.LedgerTrust;
import io.patchwork.node.opening.InvalidOpeningException;
import io.patchwork.node.opening.OpeningBook;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;

/**
 * A ledger config, checked and ready to apply: who belongs, whom to trust, which orderers sign
 * blocks, what endorsement a transaction needs and which contracts may run.
 *
 * <p>Immutable and thread-safe; a new config transaction makes a new instance.
 */
public final class LedgerRules {
  /** The config format version this node reads. */
  public static final int FORMAT_VERSION = 1;

  private static final Pattern LEDGER_ID = Pattern.compile("[a-z][a-z0-9.-]{0,248}");
  private static final Pattern MSP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern CONTRACT_NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");

  /** The most orderers a ledger's Raft group has. */
  static final int MAX_ORDERERS = 7;

  /** The sizes a new ledger's Raft group starts with: an even size survives no more failures. */
  static final Set<Integer> GENESIS_RAFT_SIZES = Set.of(1, 3, 5, 7);

  /** Whether a new ledger can start with this many orderers: 1, 3, 5 or 7. */
  public static boolean genesisRaftSize(int orderers) {
    return GENESIS_RAFT_SIZES.contains(orderers);
  }

  private final LedgerConfig config;
  private final Map<String, Member> members;

  /**
   * The config's orderers by the public key of their signing certificate (SubjectPublicKeyInfo).
   */
  private final Map<ByteString, Orderer> orderersBySigningKey;

  private final Map<ByteString, X509Certificate> knownOrdererIdentities = new ConcurrentHashMap<>();
  private final Map<String, ByteString> contracts;
  private final IdentityCheck identities;

  private LedgerRules(
      LedgerConfig config,
      Map<String, Member> members,
      Map<ByteString, Orderer> orderers,
      Map<String, ByteString> contracts,
      IdentityCheck identities) {
    this.config = config;
    this.members = members;
    this.orderersBySigningKey = orderers;
    this.contracts = contracts;
    this.identities = identities;
  }

  /**
   * Checks a config and prepares it for use.
   *
   * @throws ConfigException naming the first problem found
   */
  public static LedgerRules of(LedgerConfig config) throws ConfigException {
    if (config.getFormatVersion() != FORMAT_VERSION) {
      throw new ConfigException(
          Code.UNKNOWN_FORMAT_VERSION,
          "config format version " + config.getFormatVersion() + " is not supported");
    }
    if (!LEDGER_ID.matcher(config.getLedgerId()).matches()) {
      throw new ConfigException(
          Code.INVALID_LEDGER_ID,
          "ledger id must be lower case letters, digits, '.' or '-', starting with a letter");
    }
    if (config.getMembersCount() == 0) {
      throw new ConfigException(Code.NO_MEMBERS, "a ledger needs at least one member");
    }
    Map<String, Member> members = new LinkedHashMap<>();
    List<X509Certificate> roots = new ArrayList<>();
    Map<X509Certificate, Set<String>> rootOwners = new HashMap<>();
    List<X509Certificate> intermediates = new ArrayList<>();
    List<X509CRL> crls = new ArrayList<>();
    for (Member member : config.getMembersList()) {
      if (!MSP_ID.matcher(member.getMspId()).matches() || member.getOrganization().isBlank()) {
        throw new ConfigException(
            Code.INVALID_MEMBER,
            "member '" + member.getMspId() + "' has an invalid MSP id or name");
      }
      if (members.put(member.getMspId(), member) != null) {
        throw new ConfigException(
            Code.DUPLICATE_MEMBER, "MSP id " + member.getMspId() + " is listed twice");
      }
      if (member.getRootCertificatesCount() == 0) {
        throw new ConfigException(
            Code.INVALID_MEMBER, "member " + member.getMspId() + " has no root certificate");
      }
      for (X509Certificate root :
          certificates(member.getMspId(), member.getRootCertificatesList())) {
        roots.add(root);
        rootOwners.computeIfAbsent(root, r -> new HashSet<>()).add(member.getMspId());
      }
      intermediates.addAll(
          certificates(member.getMspId(), member.getIntermediateCertificatesList()));
      // TLS roots are trusted for TLS only: their CRLs are not the identities' business.
      Set<X500Principal> tlsIssuers = new HashSet<>();
      for (X509Certificate tlsRoot :
          certificates(member.getMspId(), member.getTlsRootCertificatesList())) {
        tlsIssuers.add(tlsRoot.getSubjectX500Principal());
      }
      for (X509CRL crl : crls(member.getMspId(), member.getCrlsList())) {
        if (!tlsIssuers.contains(crl.getIssuerX500Principal())) {
          crls.add(crl);
        }
      }
    }
    Map<ByteString, Orderer> orderers = orderers(config, members);
    if (config.getSequence() == 0 && config.hasOpening()) {
      // Checked against the genesis members only: members may leave later, the opening stays.
      try {
        OpeningBook.check(config.getOpening(), members.keySet());
      } catch (InvalidOpeningException e) {
        throw new ConfigException(Code.INVALID_OPENING, e.getMessage());
      }
    }
    checkPolicy(config.getEndorsementPolicy(), members.size());
    checkCutting(config.getBlockCutting());
    checkCommitStatus(config.getCommitStatus());
    checkGovernance(config);
    Map<String, ByteString> contracts = new HashMap<>();
    for (PinnedContract contract : config.getContractsList()) {
      if (!CONTRACT_NAME.matcher(contract.getName()).matches()
          || contract.getCodeHash().size() != 32) {
        throw new ConfigException(
            Code.INVALID_CONTRACT,
            "contract '"
                + contract.getName()
                + "' needs a lower-case name (letters, digits, '-') and a 32-byte code hash");
      }
      if (contracts.put(contract.getName(), contract.getCodeHash()) != null) {
        throw new ConfigException(
            Code.INVALID_CONTRACT, "contract " + contract.getName() + " is pinned twice");
      }
    }
    Map<X509Certificate, Instant> retiring = new HashMap<>();
    for (RetiringRoot root : config.getRetiringRootsList()) {
      List<X509Certificate> parsed = certificates("retiring roots", List.of(root.getCertificate()));
      if (parsed.size() != 1) {
        throw new ConfigException(
            Code.INVALID_MEMBER, "a retiring root must be exactly one PEM certificate");
      }
      retiring.put(parsed.get(0), Instant.ofEpochMilli(root.getTrustedUntilMillis()));
    }
    IdentityCheck identities;
    try {
      identities = new IdentityCheck(dedupe(roots), intermediates, crls, retiring, rootOwners);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          Code.INVALID_MEMBER, "trust material is unusable: " + e.getMessage(), e);
    }
    return new LedgerRules(
        config, Map.copyOf(members), Map.copyOf(orderers), Map.copyOf(contracts), identities);
  }

  /**
   * A TLS trust manager for this config: the members' roots (and TLS roots) and intermediates,
   * checked against their CRLs. A node built from a config (rather than from its authority) trusts
   * what it says.
   */
  public X509TrustManager tlsTrust() {
    List<X509Certificate> roots = new ArrayList<>();
    List<X509Certificate> intermediates = new ArrayList<>();
    List<X509CRL> crls = new ArrayList<>();
    try {
      for (Member member : config.getMembersList()) {
        roots.addAll(certificates(member.getMspId(), member.getRootCertificatesList()));
        roots.addAll(certificates(member.getMspId(), member.getTlsRootCertificatesList()));
        intermediates.addAll(
            certificates(member.getMspId(), member.getIntermediateCertificatesList()));
        crls.addAll(crls(member.getMspId(), member.getCrlsList()));
      }
    } catch (ConfigException e) {
      throw new IllegalStateException("a config that passed its checks cannot fail them now", e);
    }
    return LedgerTrust.trustManager(dedupe(roots), intermediates, crls);
  }

  public LedgerConfig config() {
    return config;
  }

  public String ledgerId() {
    return config.getLedgerId();
  }

  public long sequence() {
    return config.getSequence();
  }

  public LedgerStatus status() {
    return config.getStatus();
  }

  /** Checks identities against the members' trust roots and CRLs of this config. */
  public IdentityCheck identities() {
    return identities;
  }

  public boolean isMember(String mspId) {
    return members.containsKey(mspId);
  }

  public Set<String> memberMspIds() {
    return members.keySet();
  }

  /**
   * The block-signing certificate of an orderer of this ledger, if the serialized identity (a
   * Fabric SerializedIdentity holding a PEM certificate) is one: a certificate for the public key
   * the config lists for an orderer of that MSP. The key is what the config pins, so an orderer
   * whose certificate was renewed for the same key signs on without a config change.
   */
  public Optional<X509Certificate> ordererSigningCertificate(ByteString serializedIdentity) {
    X509Certificate known = knownOrdererIdentities.get(serializedIdentity);
    if (known != null) {
      return Optional.of(known);
    }
    Optional<X509Certificate> found = findOrdererSigningCertificate(serializedIdentity);
    // Only identities of this config's orderers are kept, so the map holds one entry per orderer.
    found.ifPresent(certificate -> knownOrdererIdentities.put(serializedIdentity, certificate));
    return found;
  }

  private Optional<X509Certificate> findOrdererSigningCertificate(ByteString serializedIdentity) {
    try {
      SerializedIdentity identity = SerializedIdentity.parseFrom(serializedIdentity);
      List<X509Certificate> certificates =
          Pem.readCertificates(identity.getIdBytes().toString(StandardCharsets.US_ASCII));
      if (certificates.size() != 1) {
        return Optional.empty();
      }
      X509Certificate certificate = certificates.get(0);
      Orderer orderer = orderersBySigningKey.get(publicKey(certificate));
      return orderer != null && orderer.getMspId().equals(identity.getMspid())
          ? Optional.of(certificate)
          : Optional.empty();
    } catch (InvalidProtocolBufferException | GeneralSecurityException | RuntimeException e) {
      return Optional.empty();
    }
  }

  public List<Orderer> orderers() {
    return config.getOrderersList();
  }

  public BlockCutting blockCutting() {
    return config.getBlockCutting();
  }

  /** The code hash a contract is pinned to, if this ledger runs it. */
  public Optional<ByteString> pinnedContract(String name) {
    return Optional.ofNullable(contracts.get(name));
  }

  /** How many distinct member organisations must endorse a transaction. */
  public int endorsingOrganizationsRequired() {
    EndorsementPolicy policy = config.getEndorsementPolicy();
    return switch (policy.getRule()) {
      case AT_LEAST -> policy.getCount();
      case MAJORITY -> members.size() / 2 + 1;
      case ALL -> members.size();
      default -> throw new IllegalStateException("policy was checked when the config was read");
    };
  }

  /** Whether endorsements by these member organisations satisfy the endorsement policy. */
  public boolean endorsementSatisfied(Set<String> endorsingMspIds) {
    Set<String> counted = new HashSet<>(endorsingMspIds);
    counted.retainAll(members.keySet());
    return counted.size() >= endorsingOrganizationsRequired();
  }

  private static Map<ByteString, Orderer> orderers(LedgerConfig config, Map<String, Member> members)
      throws ConfigException {
    int count = config.getOrderersCount();
    // A running ledger passes through even sizes as members vote orderers in and out.
    if (count < 1 || count > MAX_ORDERERS) {
      throw new ConfigException(
          Code.INVALID_ORDERERS, "a ledger has 1 to " + MAX_ORDERERS + " orderers, not " + count);
    }
    Map<ByteString, Orderer> bySigner = new HashMap<>();
    Set<String> ids = new HashSet<>();
    for (Orderer orderer : config.getOrderersList()) {
      if (orderer.getNodeId().isBlank() || !ids.add(orderer.getNodeId())) {
        throw new ConfigException(
            Code.INVALID_ORDERERS,
            "orderer node ids must be present and unique: '" + orderer.getNodeId() + "'");
      }
      if (!members.containsKey(orderer.getMspId())) {
        throw new ConfigException(
            Code.INVALID_ORDERERS,
            "orderer " + orderer.getNodeId() + " belongs to unknown MSP " + orderer.getMspId());
      }
      List<X509Certificate> signing =
          certificates(orderer.getMspId(), List.of(orderer.getSigningCertificate()));
      if (signing.size() != 1 || bySigner.put(publicKey(signing.get(0)), orderer) != null) {
        throw new ConfigException(
            Code.INVALID_ORDERERS,
            "orderer " + orderer.getNodeId() + " needs a signing certificate and key of its own");
      }
    }
    return bySigner;
  }

  private static ByteString publicKey(X509Certificate certificate) {
    return ByteString.copyFrom(certificate.getPublicKey().getEncoded());
  }

  private static void checkPolicy(EndorsementPolicy policy, int memberCount)
      throws ConfigException {
    switch (policy.getRule()) {
      case AT_LEAST -> {
        if (policy.getCount() < 1 || policy.getCount() > memberCount) {
          throw new ConfigException(
              Code.INVALID_POLICY,
              "AT_LEAST needs a count between 1 and the "
                  + memberCount
                  + " members, not "
                  + policy.getCount());
        }
      }
      case MAJORITY, ALL -> {}
      default -> throw new ConfigException(Code.INVALID_POLICY, "endorsement policy has no rule");
    }
  }

  private static void checkGovernance(LedgerConfig config) throws ConfigException {
    if (!config.hasGovernance()) {
      return;
    }
    try {
      if (config.getGovernance().hasVoting()) {
        VotingPolicies.of(config.getGovernance().getVoting());
      }
      if (config.getGovernance().hasVotingChanges()) {
        VotingPolicies.of(config.getGovernance().getVotingChanges());
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          Code.INVALID_POLICY, "the voting policy is not valid: " + e.getMessage());
    }
  }

  /**
   * A commit status policy a config may hold: a scope this version knows, a timeout of at most 60
   * s.
   *
   * @throws ConfigException INVALID_POLICY otherwise
   */
  public static void checkCommitStatus(CommitStatusPolicy policy) throws ConfigException {
    if (policy.getScope() == CommitStatusPolicy.Scope.UNRECOGNIZED
        || policy.getTimeoutMillis() > 60_000) {
      throw new ConfigException(
          Code.INVALID_POLICY,
          "the commit status policy needs a known scope and a timeout of at most 60000 ms");
    }
  }

  private static void checkCutting(BlockCutting cutting) throws ConfigException {
    if (cutting.getMaxTransactions() < 1
        || cutting.getMaxTransactions() > 10_000
        || cutting.getMaxBytes() < 1024
        || cutting.getMaxBytes() > 100 * 1024 * 1024
        || cutting.getTimeoutMillis() < 1
        || cutting.getTimeoutMillis() > 60_000) {
      throw new ConfigException(
          Code.INVALID_BLOCK_CUTTING,
          "block cutting needs 1..10000 transactions, 1 KiB..100 MiB and a 1..60000 ms timeout");
    }
  }

  private static List<X509Certificate> certificates(String mspId, List<ByteString> pems)
      throws ConfigException {
    List<X509Certificate> certificates = new ArrayList<>();
    for (ByteString pem : pems) {
      try {
        certificates.addAll(Pem.readCertificates(pem.toString(StandardCharsets.US_ASCII)));
      } catch (CertificateException | RuntimeException e) {
        throw new ConfigException(
            Code.INVALID_MEMBER, "member " + mspId + " has an unreadable certificate", e);
      }
    }
    return certificates;
  }

  private static List<X509CRL> crls(String mspId, List<ByteString> ders) throws ConfigException {
    List<X509CRL> crls = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (ByteString der : ders) {
        crls.add((X509CRL) factory.generateCRL(new ByteArrayInputStream(der.toByteArray())));
      }
    } catch (CertificateException | CRLException | RuntimeException e) {
      throw new ConfigException(
          Code.INVALID_MEMBER, "member " + mspId + " has an unreadable CRL", e);
    }
    return crls;
  }

  private static List<X509Certificate> dedupe(List<X509Certificate> certificates) {
    return List.copyOf(new LinkedHashSet<>(certificates));
  }
}
