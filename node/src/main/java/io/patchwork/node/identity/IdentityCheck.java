package io.patchwork.node.identity;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;

/**
 * Checks the creator of a proposal, transaction or ballot as a peer must: the {@code
 * SerializedIdentity} holds one PEM certificate that chains to one of the ledger's trust roots, is
 * valid and not revoked at the given instant (a block's time, so every peer reaches the same
 * answer), that belongs to the MSP the identity claims, and whose subject names a role OU. A
 * certificate belongs to an MSP if its subject names it (the referee's certificates carry it in
 * organizationIdentifier) or, naming none, if its path ends at a root that MSP lists — Fabric's
 * rule, for members whose own certificate authority issued it. Immutable and thread-safe.
 */
public final class IdentityCheck {
  private final Set<TrustAnchor> anchors;
  private final List<X509Certificate> intermediates;
  private final Map<X500Principal, Set<BigInteger>> revoked;
  private static final int CACHE_LIMIT = 10_000;
  private final Map<ByteString, Known> passed = new ConcurrentHashMap<>();

  /**
   * An identity that passed, with its certificate's validity period read once: the JDK's getters
   * look the period up by name on every call, which showed in profiles of 100-peer validation.
   */
  private record Known(Identity identity, Instant notBefore, Instant notAfter) {}

  /**
   * Certificate paths that PKIX validation accepted in this process, keyed by the SHA-256 of the
   * trust material and the certificate. Peers of one JVM share a ledger's trust roots, so each
   * certificate's path is validated once, not once per peer. A path's validity does not depend on
   * anything else but the instant, and each hit re-checks every certificate's validity period at
   * the instant asked, so the cache never changes an answer.
   */
  private static final Map<ByteString, ValidPath> VALID_PATHS = new ConcurrentHashMap<>();

  /** A validated path (the certificate up to, not including, the root) and its root. */
  private record ValidPath(List<X509Certificate> path, X509Certificate root) {}

  private static final int PATH_CACHE_LIMIT = 100_000;
  private final byte[] trustFingerprint;
  private final Map<ByteString, Instant> retiring;
  private final Map<ByteString, Set<String>> owners;
  private final Map<ByteString, Instant> passedUntil = new ConcurrentHashMap<>();

  /**
   * @param trustRoots the ledger's self-signed roots
   * @param intermediates authority certificates between roots and members
   * @param crls the CRLs in force
   */
  public IdentityCheck(
      List<X509Certificate> trustRoots, List<X509Certificate> intermediates, List<X509CRL> crls) {
    this(trustRoots, intermediates, crls, Map.of());
  }

  /**
   * @param retiring roots among {@code trustRoots} that are trusted only until an instant: a
   *     certificate whose path ends at one of them is refused after it (a replaced authority)
   */
  public IdentityCheck(
      List<X509Certificate> trustRoots,
      List<X509Certificate> intermediates,
      List<X509CRL> crls,
      Map<X509Certificate, Instant> retiring) {
    this(trustRoots, intermediates, crls, retiring, Map.of());
  }

  /**
   * @param rootOwners for each root, the MSPs that list it: a certificate whose subject names no
   *     MSP (one a Fabric CA issued, say) belongs to the MSP it claims only if its path ends at a
   *     root that MSP lists, as Fabric's MSPs decide it; one that names its MSP (as the referee's
   *     do) must name the one it claims
   */
  public IdentityCheck(
      List<X509Certificate> trustRoots,
      List<X509Certificate> intermediates,
      List<X509CRL> crls,
      Map<X509Certificate, Instant> retiring,
      Map<X509Certificate, Set<String>> rootOwners) {
    Map<ByteString, Set<String>> owners = new HashMap<>();
    try {
      for (Map.Entry<X509Certificate, Set<String>> root : rootOwners.entrySet()) {
        owners.put(ByteString.copyFrom(root.getKey().getEncoded()), Set.copyOf(root.getValue()));
      }
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("a root cannot be encoded", e);
    }
    this.owners = Map.copyOf(owners);
    Map<ByteString, Instant> deadlines = new HashMap<>();
    try {
      for (Map.Entry<X509Certificate, Instant> root : retiring.entrySet()) {
        deadlines.put(ByteString.copyFrom(root.getKey().getEncoded()), root.getValue());
      }
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("a retiring root cannot be encoded", e);
    }
    this.retiring = Map.copyOf(deadlines);
    Set<TrustAnchor> roots = new HashSet<>();
    for (X509Certificate root : Objects.requireNonNull(trustRoots, "trustRoots")) {
      roots.add(new TrustAnchor(root, null));
    }
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("a ledger needs at least one trust root");
    }
    this.anchors = Set.copyOf(roots);
    this.intermediates = List.copyOf(intermediates);
    List<X509Certificate> issuers = new ArrayList<>(trustRoots);
    issuers.addAll(this.intermediates);
    this.revoked = revokedSerials(issuers, crls);
    this.trustFingerprint = fingerprint(this.anchors, this.intermediates);
  }

  private static byte[] fingerprint(Set<TrustAnchor> anchors, List<X509Certificate> intermediates) {
    try {
      List<ByteString> roots = new ArrayList<>();
      for (TrustAnchor anchor : anchors) {
        roots.add(ByteString.copyFrom(anchor.getTrustedCert().getEncoded()));
      }
      List<ByteString> others = new ArrayList<>();
      for (X509Certificate intermediate : intermediates) {
        others.add(ByteString.copyFrom(intermediate.getEncoded()));
      }
      roots.sort(ByteString.unsignedLexicographicalComparator());
      others.sort(ByteString.unsignedLexicographicalComparator());
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (List<ByteString> group : List.of(roots, others)) {
        digest.update(ByteBuffer.allocate(4).putInt(group.size()).array());
        for (ByteString encoded : group) {
          digest.update(ByteBuffer.allocate(4).putInt(encoded.size()).array());
          digest.update(encoded.toByteArray());
        }
      }
      return digest.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("trust material cannot be encoded", e);
    }
  }

  private ByteString pathKey(X509Certificate certificate) throws GeneralSecurityException {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    digest.update(trustFingerprint);
    digest.update(certificate.getEncoded());
    return ByteString.copyFrom(digest.digest());
  }

  /**
   * The serials each issuer has revoked, from the CRLs that one of the known issuers signed.
   *
   * <p>A CRL in the ledger config is in force as of the block that carried it, whatever its own
   * thisUpdate, nextUpdate or revocation dates say (as in Fabric's MSP): the answer must not depend
   * on when a peer happens to validate.
   *
   * @throws IllegalArgumentException if a CRL was not signed by any of the issuers
   */
  private static Map<X500Principal, Set<BigInteger>> revokedSerials(
      List<X509Certificate> issuers, List<X509CRL> crls) {
    Map<X500Principal, Set<BigInteger>> revoked = new HashMap<>();
    for (X509CRL crl : crls) {
      boolean signed = false;
      for (X509Certificate issuer : issuers) {
        if (issuer.getSubjectX500Principal().equals(crl.getIssuerX500Principal())
            && verifies(crl, issuer)) {
          signed = true;
          break;
        }
      }
      if (!signed) {
        throw new IllegalArgumentException(
            "the CRL of " + crl.getIssuerX500Principal() + " is not signed by a known authority");
      }
      Set<BigInteger> serials =
          revoked.computeIfAbsent(crl.getIssuerX500Principal(), issuer -> new HashSet<>());
      Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
      if (entries != null) {
        for (X509CRLEntry entry : entries) {
          serials.add(entry.getSerialNumber());
        }
      }
    }
    Map<X500Principal, Set<BigInteger>> frozen = new HashMap<>();
    revoked.forEach((issuer, serials) -> frozen.put(issuer, Set.copyOf(serials)));
    return Map.copyOf(frozen);
  }

  private static boolean verifies(X509CRL crl, X509Certificate issuer) {
    try {
      crl.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private boolean isRevoked(X509Certificate certificate) {
    return revoked
        .getOrDefault(certificate.getIssuerX500Principal(), Set.of())
        .contains(certificate.getSerialNumber());
  }

  /** Why an identity was refused. */
  public enum Refusal {
    /** Not a SerializedIdentity holding one PEM certificate. */
    MALFORMED,
    /** The certificate does not chain to a trust root of the ledger. */
    UNTRUSTED,
    /** The certificate, or one above it, is revoked. */
    REVOKED,
    /** The certificate is not valid at the instant: expired or not yet valid. */
    NOT_VALID_NOW,
    /** The MSP id claimed is not the one in the certificate's subject. */
    MSP_MISMATCH,
    /** The subject names no Fabric role OU. */
    NO_ROLE
  }

  /** The outcome: a checked identity, or a refusal with its reason. */
  public record Outcome(Optional<Identity> identity, Optional<Refusal> refusal, String detail) {
    static Outcome refused(Refusal refusal, String detail) {
      return new Outcome(Optional.empty(), Optional.of(refusal), detail);
    }
  }

  /** A checked identity. */
  public record Identity(String mspId, Role role, X509Certificate certificate) {}

  /**
   * Checks serialized identity bytes at the instant.
   *
   * <p>Identities that passed are remembered (up to {@value #CACHE_LIMIT}): the chain, CRL, MSP id
   * and role checks depend only on the bytes and this check's fixed roots and CRLs, so a repeat
   * only re-checks the validity period against {@code at}.
   */
  public Outcome check(ByteString serializedIdentity, Instant at) {
    Known known = passed.get(serializedIdentity);
    if (known != null) {
      Instant until = passedUntil.get(serializedIdentity);
      if (until != null && at.isAfter(until)) {
        return retired(until);
      }
      return withinValidity(known.notBefore(), known.notAfter(), at)
          .orElseGet(() -> new Outcome(Optional.of(known.identity()), Optional.empty(), ""));
    }
    if (passed.size() >= CACHE_LIMIT) {
      passed.clear();
      passedUntil.clear();
    }
    // Records the identity's deadline (if its root is retiring) before it is remembered as passed.
    Outcome outcome = checkUncached(serializedIdentity, at);
    outcome
        .identity()
        .ifPresent(
            identity ->
                passed.put(
                    serializedIdentity,
                    new Known(
                        identity,
                        identity.certificate().getNotBefore().toInstant(),
                        identity.certificate().getNotAfter().toInstant())));
    return outcome;
  }

  private static Outcome retired(Instant until) {
    return Outcome.refused(
        Refusal.UNTRUSTED,
        "the certificate comes from an authority the members replaced; it was accepted until "
            + until);
  }

  private static Optional<Outcome> withinValidity(X509Certificate certificate, Instant at) {
    return withinValidity(
        certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant(), at);
  }

  private static Optional<Outcome> withinValidity(Instant notBefore, Instant notAfter, Instant at) {
    if (notAfter.isBefore(at) || notBefore.isAfter(at)) {
      return Optional.of(
          Outcome.refused(
              Refusal.NOT_VALID_NOW,
              "the certificate is valid from " + notBefore + " to " + notAfter));
    }
    return Optional.empty();
  }

  private Outcome checkUncached(ByteString serializedIdentity, Instant at) {
    SerializedIdentity identity;
    X509Certificate certificate;
    try {
      identity = SerializedIdentity.parseFrom(serializedIdentity);
      List<X509Certificate> certificates =
          Pem.readCertificates(identity.getIdBytes().toStringUtf8());
      if (certificates.size() != 1) {
        return Outcome.refused(Refusal.MALFORMED, "the identity must hold exactly one certificate");
      }
      certificate = certificates.get(0);
    } catch (InvalidProtocolBufferException | CertificateException | RuntimeException e) {
      return Outcome.refused(Refusal.MALFORMED, "not a serialized X.509 identity");
    }
    Optional<Outcome> validity = withinValidity(certificate, at);
    if (validity.isPresent()) {
      return validity.get();
    }
    Chain chain = validateChain(certificate, at, serializedIdentity);
    if (chain.refusal().isPresent()) {
      return chain.refusal().get();
    }
    Optional<String> named = subjectAttribute(certificate, BCStyle.ORGANIZATION_IDENTIFIER);
    Optional<String> mspId;
    if (named.isPresent()) {
      mspId = named.filter(identity.getMspid()::equals);
    } else {
      mspId =
          Optional.of(identity.getMspid())
              .filter(owners.getOrDefault(chain.root(), Set.of())::contains);
    }
    if (mspId.isEmpty()) {
      return Outcome.refused(
          Refusal.MSP_MISMATCH,
          "the identity claims MSP "
              + identity.getMspid()
              + named
                  .map(n -> "; its certificate says " + n)
                  .orElse(
                      "; its certificate names no MSP and does not chain to a root that MSP lists"));
    }
    Optional<Role> role =
        subjectAttributes(certificate, BCStyle.OU).stream()
            .map(Role::fromOrganizationalUnit)
            .flatMap(Optional::stream)
            .findFirst();
    if (role.isEmpty()) {
      return Outcome.refused(
          Refusal.NO_ROLE, "the certificate names no client, peer, orderer or admin OU");
    }
    return new Outcome(
        Optional.of(new Identity(mspId.get(), role.get(), certificate)), Optional.empty(), "");
  }

  /**
   * Validates the certificate's path at the instant; a path ending at a retiring root is remembered
   * for the identity, so later checks answered from the cache still refuse it after the deadline.
   */
  /** A path's verdict: why it was refused, or the (encoded) root it ends at. */
  private record Chain(Optional<Outcome> refusal, ByteString root) {
    static Chain refused(Outcome outcome) {
      return new Chain(Optional.of(outcome), ByteString.EMPTY);
    }
  }

  private Chain validateChain(
      X509Certificate certificate, Instant at, ByteString serializedIdentity) {
    List<X509Certificate> path;
    X509Certificate root;
    ByteString rootBytes;
    try {
      ByteString key = pathKey(certificate);
      ValidPath known = VALID_PATHS.get(key);
      if (known != null) {
        path = known.path();
        root = known.root();
        for (X509Certificate link : path) {
          link.checkValidity(Date.from(at));
        }
      } else {
        path = chainFor(certificate);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        PKIXParameters parameters = new PKIXParameters(anchors);
        parameters.setDate(Date.from(at));
        parameters.setRevocationEnabled(false);
        root =
            ((PKIXCertPathValidatorResult)
                    CertPathValidator.getInstance("PKIX")
                        .validate(factory.generateCertPath(path), parameters))
                .getTrustAnchor()
                .getTrustedCert();
        if (VALID_PATHS.size() >= PATH_CACHE_LIMIT) {
          VALID_PATHS.clear();
        }
        VALID_PATHS.put(key, new ValidPath(List.copyOf(path), root));
      }
      rootBytes = ByteString.copyFrom(root.getEncoded());
      Instant until = retiring.get(rootBytes);
      if (until != null) {
        if (at.isAfter(until)) {
          return Chain.refused(retired(until));
        }
        passedUntil.put(serializedIdentity, until);
      }
    } catch (CertPathValidatorException
        | CertificateExpiredException
        | CertificateNotYetValidException e) {
      return Chain.refused(
          Outcome.refused(
              Refusal.UNTRUSTED, "the certificate does not chain to the ledger's trust roots"));
    } catch (GeneralSecurityException e) {
      return Chain.refused(
          Outcome.refused(Refusal.UNTRUSTED, "the certificate path cannot be checked"));
    }
    for (int i = 0; i < path.size(); i++) {
      if (isRevoked(path.get(i))) {
        return Chain.refused(
            Outcome.refused(
                Refusal.REVOKED,
                i == 0
                    ? "the certificate is revoked"
                    : "the authority that issued the certificate is revoked"));
      }
    }
    return new Chain(Optional.empty(), rootBytes);
  }

  /** The path from the certificate up to (not including) a root, through known intermediates. */
  private List<X509Certificate> chainFor(X509Certificate certificate) {
    List<X509Certificate> path = new ArrayList<>();
    path.add(certificate);
    X509Certificate current = certificate;
    for (int depth = 0; depth < 8; depth++) {
      X509Certificate issuer = null;
      for (X509Certificate candidate : intermediates) {
        if (candidate.getSubjectX500Principal().equals(current.getIssuerX500Principal())
            && !candidate.equals(current)) {
          issuer = candidate;
        }
      }
      if (issuer == null) {
        break;
      }
      path.add(issuer);
      current = issuer;
    }
    return path;
  }

  private static Optional<String> subjectAttribute(
      X509Certificate certificate, ASN1ObjectIdentifier type) {
    return subjectAttributes(certificate, type).stream().findFirst();
  }

  private static List<String> subjectAttributes(
      X509Certificate certificate, ASN1ObjectIdentifier type) {
    X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    List<String> values = new ArrayList<>();
    for (RDN rdn : subject.getRDNs(type)) {
      if (rdn.getFirst().getValue() instanceof ASN1String text) {
        values.add(text.getString());
      }
    }
    return values;
  }
}
