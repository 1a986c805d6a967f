package io.patchwork.ca;

import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * One ledger's certificate authority: the referee that certifies its members.
 *
 * <p>Every operation either completes and is durable, or throws {@link CaException} having issued
 * and stored nothing. Implementations are thread-safe; concurrent redemptions of one invite issue
 * at most once.
 *
 * <pre>{@code
 * CertificateAuthority ca = authorities.createRoot(AuthoritySpec.of("trade-2026", "Operator"));
 * NewInvite invite = ca.invite(new InviteScope("Bank A", "BankAMSP",
 *     Set.of(Role.ADMIN, Role.PEER), 1, Duration.ofDays(7)));
 * // ... the member makes CSRs and sends them with invite.token().reveal() ...
 * Redemption joined = ca.redeem(InviteToken.parse(token), csrs);
 * }</pre>
 */
public interface CertificateAuthority {

  /** The ledger this authority serves. */
  String ledgerId();

  /** This authority's own certificate, which signs what it issues. */
  X509Certificate certificate();

  /** This authority's certificate first, then any issuers, the trust root last. */
  List<X509Certificate> chain();

  /** The self-signed certificate at the top of {@link #chain()}. */
  default X509Certificate trustRoot() {
    List<X509Certificate> chain = chain();
    return chain.get(chain.size() - 1);
  }

  /**
   * Certifies the key of a CSR, after checking its proof of possession, its key and that its
   * subject agrees with the request (any CN, OU, O or organizationIdentifier it names must equal
   * the request's).
   */
  IssuedCertificate issue(byte[] csr, CertificateRequest request) throws CaException;

  /**
   * Generates an ECDSA P-256 key pair and certifies it. The authority keeps no copy of the private
   * key.
   */
  IssuedCredential issueWithNewKey(CertificateRequest request) throws CaException;

  /**
   * Generates and certifies keys for 1 to 1,000 requests in one atomic step: all are issued, or
   * none.
   */
  List<IssuedCredential> issueWithNewKeys(List<CertificateRequest> requests) throws CaException;

  /**
   * Re-issues a valid certificate for the same public key and subject with a fresh validity, so
   * configurations that pin the key keep matching. The old certificate stays valid until it
   * expires.
   *
   * @throws CaException {@link CaError#CERTIFICATE_NOT_FOUND}, {@link CaError#CERTIFICATE_REVOKED},
   *     {@link CaError#CERTIFICATE_EXPIRED} or {@link CaError#CERTIFICATE_SUPERSEDED}
   */
  IssuedCertificate renew(BigInteger serial) throws CaException;

  /**
   * Renews a certificate for the new key of {@code csr} (its signature proves the key; its subject
   * must be the certificate's), with the same subject, role and names. The old certificate stays
   * valid until it expires and records its successor, as for {@link #renew(BigInteger)}.
   *
   * @throws CaException as {@link #renew(BigInteger)}, or for the CSR (MALFORMED_CSR,
   *     CSR_SIGNATURE_INVALID, KEY_NOT_ALLOWED, SUBJECT_MISMATCH)
   */
  IssuedCertificate renewWithNewKey(BigInteger serial, byte[] csr) throws CaException;

  /** Revokes one certificate and signs a new CRL. */
  default IssuedCertificate revoke(BigInteger serial, RevocationReason reason) throws CaException {
    return revoke(List.of(serial), reason).get(0);
  }

  /**
   * Revokes all the given certificates and signs one new CRL, atomically: if any serial is unknown
   * or already revoked, none is revoked.
   */
  List<IssuedCertificate> revoke(Collection<BigInteger> serials, RevocationReason reason)
      throws CaException;

  /**
   * A CRL that revokes the given certificates as well as every one revoked now, signed with the
   * next CRL number, <em>without</em> revoking them here: for a proposal that members vote on (a
   * member's removal carries it); once the vote passes, {@link #revoke} records them. The CRL
   * number is used up either way, so CRLs signed later still have higher numbers.
   *
   * @throws CaException {@link CaError#CERTIFICATE_NOT_FOUND} if a serial is unknown
   */
  X509CRL prospectiveCrl(Collection<BigInteger> serials, RevocationReason reason)
      throws CaException;

  /**
   * The current CRL. A CRL past half of its validity is replaced by a fresh one with the next CRL
   * number, so a CRL handed out is always valid for at least half the configured period.
   */
  X509CRL crl() throws CaException;

  /** One certificate of the inventory. */
  Optional<IssuedCertificate> find(BigInteger serial) throws CaException;

  /** Every certificate this authority issued, oldest first. */
  List<IssuedCertificate> inventory() throws CaException;

  /**
   * The certificates that are neither revoked, expired nor already renewed, and expire within the
   * window: what an operator must renew soon. Soonest first.
   */
  List<IssuedCertificate> expiringWithin(Duration window) throws CaException;

  /** Makes a one-time invite. The returned token is shown this once and never stored. */
  NewInvite invite(InviteScope scope) throws CaException;

  /** Every invite of this authority, newest first. */
  List<Invite> invites() throws CaException;

  /**
   * Cancels an open invite.
   *
   * @throws CaException {@link CaError#INVITE_NOT_FOUND} or, if it is no longer open, the code of
   *     its state
   */
  Invite cancelInvite(String inviteId) throws CaException;

  /**
   * The open invite {@code token} redeems, to show its holder what it is for before redeeming;
   * nothing changes.
   *
   * @throws CaException INVITE_NOT_FOUND, INVITE_WRONG_LEDGER, or the code of its state when it is
   *     no longer open (INVITE_EXPIRED, INVITE_ALREADY_REDEEMED, INVITE_CANCELLED)
   */
  Invite openInvite(InviteToken token) throws CaException;

  /**
   * Redeems an invite: checks every CSR against the invite's scope and, if all pass, issues one
   * certificate for each, in order, and marks the invite redeemed, atomically.
   */
  Redemption redeem(InviteToken token, List<CsrSubmission> submissions) throws CaException;
}
