package io.patchwork.ca;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ledger's authority. Thread-safe: its fields are immutable and its state is in the store.
 *
 * <p>One class on purpose: each method is one step of the authority's life (issue, invite, redeem,
 * revoke, renew, export) over the same key and store, and reads as the contract of {@link
 * CertificateAuthority}; certificates are built by {@link X509Factory}, requests checked by {@link
 * CsrInspector}, state kept by {@link CaStore}.
 */
final class Authority implements CertificateAuthority {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateAuthority.class);

  /** Issued certificates start this long before issuance, to tolerate clock skew (as Fabric CA). */
  static final Duration BACKDATE = Duration.ofMinutes(5);

  /** The most certificates one call issues: a 100-node ledger needs about 200. */
  static final int MAX_BATCH = 1000;

  private static final Duration MAX_EXPIRY_WINDOW = Duration.ofDays(10 * 366);

  private final String ledgerId;
  private final PrivateKey key;
  private final List<X509Certificate> chain;
  private final Duration leafLifetime;
  private final Duration crlValidity;
  private final CaStore store;
  private final X509Factory factory;
  private final CsrInspector inspector = new CsrInspector();
  private final Clock clock;
  private final SecureRandom random;

  Authority(
      String ledgerId,
      PrivateKey key,
      List<X509Certificate> chain,
      Duration leafLifetime,
      Duration crlValidity,
      CaStore store,
      X509Factory factory,
      Clock clock,
      SecureRandom random) {
    this.ledgerId = ledgerId;
    this.key = key;
    this.chain = List.copyOf(chain);
    this.leafLifetime = leafLifetime;
    this.crlValidity = crlValidity;
    this.store = store;
    this.factory = factory;
    this.clock = clock;
    this.random = random;
  }

  @Override
  public String ledgerId() {
    return ledgerId;
  }

  @Override
  public X509Certificate certificate() {
    return chain.get(0);
  }

  @Override
  public List<X509Certificate> chain() {
    return chain;
  }

  // ---------------------------------------------------------------- issuing

  @Override
  public IssuedCertificate issue(byte[] csr, CertificateRequest request) throws CaException {
    Objects.requireNonNull(csr, "csr");
    Objects.requireNonNull(request, "request");
    Subjects.checkRequest(request);
    CsrInspector.Contents contents = inspector.inspect(csr);
    checkAgrees(contents, request);
    IssuedCertificate issued = sign(contents.publicKey(), request, null, null);
    store.insertCertificates(ledgerId, List.of(issued));
    logIssued(issued);
    return issued;
  }

  @Override
  public IssuedCredential issueWithNewKey(CertificateRequest request) throws CaException {
    return issueWithNewKeys(List.of(Objects.requireNonNull(request, "request"))).get(0);
  }

  @Override
  public List<IssuedCredential> issueWithNewKeys(List<CertificateRequest> requests)
      throws CaException {
    Objects.requireNonNull(requests, "requests");
    if (requests.isEmpty() || requests.size() > MAX_BATCH) {
      throw Subjects.invalid("issue between 1 and " + MAX_BATCH + " certificates at once");
    }
    for (CertificateRequest request : requests) {
      Subjects.checkRequest(Objects.requireNonNull(request, "request"));
    }
    List<IssuedCredential> credentials = new ArrayList<>(requests.size());
    for (CertificateRequest request : requests) {
      KeyPair keyPair = Keys.newP256(random);
      credentials.add(
          new IssuedCredential(
              sign(keyPair.getPublic(), request, null, null), keyPair.getPrivate()));
    }
    store.insertCertificates(
        ledgerId, credentials.stream().map(IssuedCredential::certificate).toList());
    credentials.forEach(credential -> logIssued(credential.certificate()));
    return credentials;
  }

  @Override
  public IssuedCertificate renew(BigInteger serial) throws CaException {
    return renew(serial, Optional.empty());
  }

  @Override
  public IssuedCertificate renewWithNewKey(BigInteger serial, byte[] csr) throws CaException {
    return renew(serial, Optional.of(Objects.requireNonNull(csr, "csr")));
  }

  private IssuedCertificate renew(BigInteger serial, Optional<byte[]> csr) throws CaException {
    Objects.requireNonNull(serial, "serial");
    IssuedCertificate existing =
        store.certificate(ledgerId, serial).orElseThrow(() -> CaStore.notFound(serial));
    Instant now = now();
    if (existing.isRevoked()) {
      throw new CaException(
          CaError.CERTIFICATE_REVOKED,
          "certificate " + existing.serialHex() + " is revoked and cannot be renewed");
    }
    if (!now.isBefore(existing.notAfter())) {
      throw new CaException(
          CaError.CERTIFICATE_EXPIRED,
          "certificate "
              + existing.serialHex()
              + " expired at "
              + existing.notAfter()
              + "; request a new one");
    }
    if (existing.renewedBy().isPresent()) {
      throw new CaException(
          CaError.CERTIFICATE_SUPERSEDED,
          "certificate "
              + existing.serialHex()
              + " was renewed by "
              + existing.renewedBy().get().toString(16)
              + "; renew that one");
    }
    CertificateRequest request =
        new CertificateRequest(
            existing.commonName(),
            existing.role(),
            existing.organisation(),
            existing.mspId(),
            existing.profile(),
            Subjects.dnsNamesOf(existing.certificate()),
            Subjects.ipAddressesOf(existing.certificate()),
            Optional.empty());
    PublicKey key = existing.certificate().getPublicKey();
    if (csr.isPresent()) {
      // A new key, proven by the CSR's signature; the subject must be the certificate's.
      CsrInspector.Contents contents = inspector.inspect(csr.get());
      checkAgrees(contents, request);
      key = contents.publicKey();
    }
    IssuedCertificate renewal = sign(key, request, null, existing.serial());
    store.insertRenewal(ledgerId, existing.serial(), renewal);
    LOG.atInfo()
        .setMessage(
            csr.isPresent()
                ? "certificate renewed for a new key"
                : "certificate renewed for the same key")
        .addKeyValue("event", "ca.certificate.renewed")
        .addKeyValue("ledger", ledgerId)
        .addKeyValue("serial", renewal.serialHex())
        .addKeyValue("renews", existing.serialHex())
        .addKeyValue("notAfter", renewal.notAfter())
        .log();
    return renewal;
  }

  // ---------------------------------------------------------------- revocation

  @Override
  public List<IssuedCertificate> revoke(Collection<BigInteger> serials, RevocationReason reason)
      throws CaException {
    Objects.requireNonNull(serials, "serials");
    Objects.requireNonNull(reason, "reason");
    if (serials.isEmpty()) {
      throw Subjects.invalid("name at least one certificate to revoke");
    }
    List<BigInteger> distinct = List.copyOf(new LinkedHashSet<>(serials));
    Instant now = now();
    AtomicReference<X509CRL> signed = new AtomicReference<>();
    List<IssuedCertificate> revoked =
        store.revoke(ledgerId, distinct, reason, now, crlSigner(now, signed));
    for (IssuedCertificate certificate : revoked) {
      LOG.atInfo()
          .setMessage("certificate revoked; a new CRL was signed")
          .addKeyValue("event", "ca.certificate.revoked")
          .addKeyValue("ledger", ledgerId)
          .addKeyValue("serial", certificate.serialHex())
          .addKeyValue("mspId", certificate.mspId())
          .addKeyValue("reason", reason)
          .log();
    }
    logCrlSigned(signed.get());
    return revoked;
  }

  @Override
  public X509CRL prospectiveCrl(Collection<BigInteger> serials, RevocationReason reason)
      throws CaException {
    Objects.requireNonNull(serials, "serials");
    Objects.requireNonNull(reason, "reason");
    Instant now = now();
    X509CRL crl =
        store.prospectiveCrl(
            ledgerId, List.copyOf(new LinkedHashSet<>(serials)), reason, now, crlSigner(now, null));
    LOG.atInfo()
        .setMessage("CRL signed for a vote; nothing revoked yet")
        .addKeyValue("event", "ca.crl.prospective")
        .addKeyValue("ledger", ledgerId)
        .addKeyValue("revokes", serials.size())
        .log();
    return crl;
  }

  @Override
  public X509CRL crl() throws CaException {
    Instant now = now();
    AtomicReference<X509CRL> signed = new AtomicReference<>();
    X509CRL crl =
        store.refreshCrl(ledgerId, now.minus(crlValidity.dividedBy(2)), crlSigner(now, signed));
    logCrlSigned(signed.get());
    return crl;
  }

  /** Signs CRLs inside the store's transaction; remembers what it signed, to log after commit. */
  private CaStore.CrlSigner crlSigner(Instant now, AtomicReference<X509CRL> signed) {
    return (number, entries) -> {
      X509CRL crl = factory.crl(key, certificate(), number, now, now.plus(crlValidity), entries);
      if (signed != null) {
        signed.set(crl);
      }
      return crl;
    };
  }

  private void logCrlSigned(X509CRL crl) {
    if (crl == null) {
      return;
    }
    LOG.atInfo()
        .setMessage("CRL signed")
        .addKeyValue("event", "ca.crl.signed")
        .addKeyValue("ledger", ledgerId)
        .addKeyValue(
            "entries",
            crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size())
        .addKeyValue("nextUpdate", crl.getNextUpdate().toInstant())
        .log();
  }

  // ---------------------------------------------------------------- inventory

  @Override
  public Optional<IssuedCertificate> find(BigInteger serial) throws CaException {
    return store.certificate(ledgerId, Objects.requireNonNull(serial, "serial"));
  }

  @Override
  public List<IssuedCertificate> inventory() throws CaException {
    return store.certificates(ledgerId);
  }

  @Override
  public List<IssuedCertificate> expiringWithin(Duration window) throws CaException {
    Objects.requireNonNull(window, "window");
    if (window.isNegative() || window.isZero() || window.compareTo(MAX_EXPIRY_WINDOW) > 0) {
      throw Subjects.invalid("the expiry window must be positive and at most 10 years");
    }
    Instant now = clock.instant();
    return store.expiring(ledgerId, now, now.plus(window));
  }

  // ---------------------------------------------------------------- invites

  @Override
  public NewInvite invite(InviteScope scope) throws CaException {
    Objects.requireNonNull(scope, "scope");
    Subjects.checkInviteScope(scope);
    Instant now = now();
    Invite invite =
        new Invite(
            newInviteId(),
            ledgerId,
            scope,
            now,
            now.plus(scope.validity()),
            Optional.empty(),
            Optional.empty());
    InviteToken token = newToken();
    store.insertInvite(invite, token.hash());
    LOG.atInfo()
        .setMessage("invite created")
        .addKeyValue("event", "ca.invite.created")
        .addKeyValue("ledger", ledgerId)
        .addKeyValue("invite", invite.id())
        .addKeyValue("mspId", scope.mspId())
        .addKeyValue("roles", scope.roles())
        .addKeyValue("maxNodes", scope.maxNodes())
        .addKeyValue("expiresAt", invite.expiresAt())
        .log();
    return new NewInvite(invite, token);
  }

  @Override
  public List<Invite> invites() throws CaException {
    return store.invites(ledgerId);
  }

  @Override
  public Invite cancelInvite(String inviteId) throws CaException {
    Objects.requireNonNull(inviteId, "inviteId");
    Instant now = now();
    Invite invite = findInvite(inviteId);
    requireOpen(invite, now);
    if (!store.cancelInvite(inviteId, now)) {
      requireOpen(findInvite(inviteId), now);
    }
    LOG.atInfo()
        .setMessage("invite cancelled")
        .addKeyValue("event", "ca.invite.cancelled")
        .addKeyValue("ledger", ledgerId)
        .addKeyValue("invite", inviteId)
        .log();
    return findInvite(inviteId);
  }

  @Override
  public Invite openInvite(InviteToken token) throws CaException {
    Objects.requireNonNull(token, "token");
    Invite invite = inviteFor(token);
    requireOpen(invite, now());
    return invite;
  }

  /** The invite of this authority's ledger that {@code token} redeems, whatever its status. */
  private Invite inviteFor(InviteToken token) throws CaException {
    Invite invite =
        store
            .inviteByTokenHash(token.hash())
            .orElseThrow(
                () -> new CaException(CaError.INVITE_NOT_FOUND, "no invite matches this token"));
    if (!invite.ledgerId().equals(ledgerId)) {
      throw new CaException(
          CaError.INVITE_WRONG_LEDGER,
          "invite "
              + invite.id()
              + " was made for ledger "
              + invite.ledgerId()
              + ", not for ledger "
              + ledgerId);
    }
    return invite;
  }

  @Override
  public Redemption redeem(InviteToken token, List<CsrSubmission> submissions) throws CaException {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(submissions, "submissions");
    Invite invite = inviteFor(token);
    Instant now = now();
    requireOpen(invite, now);
    List<IssuedCertificate> issued = new ArrayList<>(submissions.size());
    for (Checked checked : check(invite, submissions)) {
      issued.add(sign(checked.publicKey(), checked.request(), invite.id(), null));
    }
    if (!store.redeem(ledgerId, invite.id(), now, issued)) {
      requireOpen(findInvite(invite.id()), now);
      throw new CaException(
          CaError.INVITE_ALREADY_REDEEMED, "invite " + invite.id() + " is no longer open");
    }
    issued.forEach(this::logIssued);
    LOG.atInfo()
        .setMessage("invite redeemed")
        .addKeyValue("event", "ca.invite.redeemed")
        .addKeyValue("ledger", ledgerId)
        .addKeyValue("invite", invite.id())
        .addKeyValue("mspId", invite.scope().mspId())
        .addKeyValue("certificates", issued.size())
        .log();
    return new Redemption(findInvite(invite.id()), issued, chain);
  }

  /** A submission that passed every check: what to certify, and the key to certify. */
  private record Checked(CertificateRequest request, PublicKey publicKey) {}

  /**
   * Checks every submission against the invite's scope and turns it into a certificate request; the
   * first failure is reported with the CSR's position.
   */
  private List<Checked> check(Invite invite, List<CsrSubmission> submissions) throws CaException {
    InviteScope scope = invite.scope();
    if (submissions.isEmpty()) {
      throw Subjects.invalid("hand in at least one CSR to redeem an invite");
    }
    int nonNodeRoles = (int) scope.roles().stream().filter(role -> !role.isNode()).count();
    int limit = 2 * (scope.maxNodes() + nonNodeRoles);
    if (submissions.size() > limit) {
      throw new CaException(
          scope.maxNodes() > 0 ? CaError.NODE_QUOTA_EXCEEDED : CaError.INVALID_ARGUMENT,
          "invite "
              + invite.id()
              + " allows at most "
              + limit
              + " certificates; "
              + submissions.size()
              + " CSRs were handed in");
    }
    Map<CertificateProfile, Integer> nodes = new EnumMap<>(CertificateProfile.class);
    Map<Role, List<CertificateProfile>> others = new EnumMap<>(Role.class);
    List<Checked> checked = new ArrayList<>(submissions.size());
    for (int i = 0; i < submissions.size(); i++) {
      CsrSubmission submission = Objects.requireNonNull(submissions.get(i), "submission");
      try {
        CsrInspector.Contents contents = inspector.inspect(submission.csr());
        CertificateRequest request = requestFor(scope, submission.profile(), contents);
        if (request.role().isNode()) {
          int count = nodes.merge(request.profile(), 1, Integer::sum);
          if (count > scope.maxNodes()) {
            throw new CaException(
                CaError.NODE_QUOTA_EXCEEDED,
                "the invite allows "
                    + scope.maxNodes()
                    + " node(s); this is node "
                    + request.profile().name().toLowerCase(Locale.ROOT)
                    + " certificate number "
                    + count);
          }
        } else {
          List<CertificateProfile> profiles =
              others.computeIfAbsent(request.role(), role -> new ArrayList<>());
          if (profiles.contains(request.profile())) {
            throw Subjects.invalid(
                "an invite yields one "
                    + request.profile().name().toLowerCase(Locale.ROOT)
                    + " certificate per "
                    + request.role().organizationalUnit()
                    + " identity; this is the second");
          }
          profiles.add(request.profile());
        }
        checked.add(new Checked(request, contents.publicKey()));
      } catch (CaException e) {
        throw new CaException(e.error(), "CSR #" + (i + 1) + ": " + e.getMessage(), e.getCause());
      }
    }
    return checked;
  }

  private static CertificateRequest requestFor(
      InviteScope scope, CertificateProfile profile, CsrInspector.Contents contents)
      throws CaException {
    String commonName =
        contents
            .commonName()
            .orElseThrow(
                () -> new CaException(CaError.SUBJECT_MISMATCH, "the CSR subject has no CN"));
    if (!contents.organisation().map(scope.organisation()::equals).orElse(false)) {
      throw new CaException(
          CaError.SUBJECT_MISMATCH,
          "the CSR subject must name O="
              + scope.organisation()
              + contents.organisation().map(o -> ", not O=" + Subjects.printable(o)).orElse(""));
    }
    if (contents.mspId().isPresent() && !contents.mspId().get().equals(scope.mspId())) {
      throw new CaException(
          CaError.SUBJECT_MISMATCH,
          "the CSR subject's organizationIdentifier must be "
              + scope.mspId()
              + ", not "
              + Subjects.printable(contents.mspId().get()));
    }
    Role role = roleOf(contents);
    if (!scope.roles().contains(role)) {
      throw new CaException(
          CaError.ROLE_NOT_ALLOWED,
          "the invite does not allow the "
              + role.organizationalUnit()
              + " role; it allows "
              + scope.roles().stream().map(Role::organizationalUnit).sorted().toList());
    }
    CertificateRequest request =
        new CertificateRequest(
            commonName,
            role,
            scope.organisation(),
            scope.mspId(),
            profile,
            contents.dnsNames(),
            contents.ipAddresses(),
            Optional.empty());
    Subjects.checkRequest(request);
    return request;
  }

  private static Role roleOf(CsrInspector.Contents contents) throws CaException {
    if (contents.ous().size() != 1) {
      throw new CaException(
          contents.ous().isEmpty() ? CaError.ROLE_NOT_ALLOWED : CaError.SUBJECT_MISMATCH,
          "the CSR subject must name exactly one OU, the role (client, peer, orderer or admin);"
              + " it names "
              + contents.ous().size());
    }
    String ou = contents.ous().get(0);
    return Role.fromOrganizationalUnit(ou)
        .orElseThrow(
            () ->
                new CaException(
                    CaError.ROLE_NOT_ALLOWED,
                    "OU="
                        + Subjects.printable(ou)
                        + " is not a role; use client, peer, orderer or admin"));
  }

  /** The CSR's subject may leave parts out, but what it names must be what was asked. */
  private static void checkAgrees(CsrInspector.Contents contents, CertificateRequest request)
      throws CaException {
    List<String> problems = new ArrayList<>();
    contents
        .commonName()
        .filter(value -> !value.equals(request.commonName()))
        .ifPresent(value -> problems.add("CN=" + Subjects.printable(value)));
    contents
        .organisation()
        .filter(value -> !value.equals(request.organisation()))
        .ifPresent(value -> problems.add("O=" + Subjects.printable(value)));
    contents
        .mspId()
        .filter(value -> !value.equals(request.mspId()))
        .ifPresent(value -> problems.add("organizationIdentifier=" + Subjects.printable(value)));
    if (!contents.ous().isEmpty()
        && !contents.ous().equals(List.of(request.role().organizationalUnit()))) {
      problems.add("OU=" + Subjects.printable(String.join("+", contents.ous())));
    }
    if (!problems.isEmpty()) {
      throw new CaException(
          CaError.SUBJECT_MISMATCH,
          "the CSR subject names " + String.join(", ", problems) + ", which the request does not");
    }
  }

  private IssuedCertificate sign(
      PublicKey publicKey, CertificateRequest request, String inviteId, BigInteger renewalOf)
      throws CaException {
    Instant now = now();
    Instant authorityFrom = certificate().getNotBefore().toInstant();
    Instant authorityUntil = certificate().getNotAfter().toInstant();
    Instant from = max(now.minus(BACKDATE), authorityFrom);
    Instant until = min(now.plus(request.lifetime().orElse(leafLifetime)), authorityUntil);
    BigInteger serial = factory.newSerial();
    X509Certificate certificate =
        factory.leaf(
            serial, publicKey, Subjects.leaf(request), request, key, certificate(), from, until);
    return new IssuedCertificate(
        serial,
        certificate,
        request.role(),
        request.profile(),
        request.organisation(),
        request.mspId(),
        request.commonName(),
        Optional.ofNullable(inviteId),
        Optional.ofNullable(renewalOf),
        Optional.empty(),
        Optional.empty());
  }

  private void logIssued(IssuedCertificate issued) {
    LOG.atInfo()
        .setMessage("certificate issued")
        .addKeyValue("event", "ca.certificate.issued")
        .addKeyValue("ledger", ledgerId)
        .addKeyValue("serial", issued.serialHex())
        .addKeyValue("mspId", issued.mspId())
        .addKeyValue("role", issued.role())
        .addKeyValue("profile", issued.profile())
        .addKeyValue("invite", issued.inviteId().orElse(null))
        .addKeyValue("notAfter", issued.notAfter())
        .log();
  }

  private Invite findInvite(String inviteId) throws CaException {
    return store
        .invite(ledgerId, inviteId)
        .orElseThrow(
            () ->
                new CaException(
                    CaError.INVITE_NOT_FOUND,
                    "ledger " + ledgerId + " has no invite " + Subjects.printable(inviteId)));
  }

  private static void requireOpen(Invite invite, Instant now) throws CaException {
    switch (invite.status(now)) {
      case OPEN -> {}
      case REDEEMED ->
          throw new CaException(
              CaError.INVITE_ALREADY_REDEEMED,
              "invite " + invite.id() + " was redeemed at " + invite.redeemedAt().orElseThrow());
      case CANCELLED ->
          throw new CaException(
              CaError.INVITE_CANCELLED,
              "invite " + invite.id() + " was cancelled at " + invite.cancelledAt().orElseThrow());
      case EXPIRED ->
          throw new CaException(
              CaError.INVITE_EXPIRED,
              "invite " + invite.id() + " expired at " + invite.expiresAt());
    }
  }

  private String newInviteId() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40);
    bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80);
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return new UUID(buffer.getLong(), buffer.getLong()).toString();
  }

  private InviteToken newToken() {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    return InviteToken.of(
        InviteToken.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
