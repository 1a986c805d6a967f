package io.patchwork.manager.ledger;

import io.patchwork.ca.CaError;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateProfile;
import io.patchwork.ca.CsrSubmission;
import io.patchwork.ca.Invite;
import io.patchwork.ca.InviteScope;
import io.patchwork.ca.InviteToken;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.NewInvite;
import io.patchwork.ca.Redemption;
import io.patchwork.ca.Role;
import io.patchwork.manager.access.ApiTokens;
import io.patchwork.manager.access.Principal;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Member;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificate invites for a ledger's member organisations. An invite is made for an organisation
 * that is a member in the ledger's config in force — a party named when the ledger was created, or
 * one added since by an approved AddMember proposal — and lets its holder obtain, with CSRs made on
 * its own side, an admin and client certificates for that organisation. Redeeming returns the
 * certificates, the Fabric MSP material, a connection profile and an API token bound to the admin
 * certificate.
 *
 * <p>Blocking: call it off the event loop. Thread-safe.
 */
public final class MemberInvites {
  private static final Logger log = LoggerFactory.getLogger(MemberInvites.class);

  /** How long an invite stays redeemable unless the request says otherwise. */
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(7);

  /** The most peers of its own one invite lets a member certify. */
  public static final int MAX_OWN_NODES = 10;

  private final LedgerService ledgers;
  private final ApiTokens tokens;
  private final HostedAdmins hostedAdmins;

  public MemberInvites(LedgerService ledgers, ApiTokens tokens, HostedAdmins hostedAdmins) {
    this.ledgers = Objects.requireNonNull(ledgers, "ledgers");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.hostedAdmins = Objects.requireNonNull(hostedAdmins, "hostedAdmins");
  }

  /** What a redeemed invite yields. The API token is the only secret; it is returned once. */
  public record Redeemed(
      Redemption redemption,
      Optional<ApiTokens.Issued> apiToken,
      ConnectionProfile profile,
      Optional<HostedPeer> hostedPeer,
      Optional<X509Certificate> hostedAdmin,
      X509CRL crl) {}

  /**
   * The peer the manager started for the member, or why it could not (the certificates stand; the
   * member admin asks again with {@code POST /ledgers/{id}/peers}).
   */
  public record HostedPeer(Optional<HostedNode> peer, Optional<Refusal> failure) {}

  /** Where and how a member's applications reach the ledger. */
  public record ConnectionProfile(
      String ledgerId,
      String mspId,
      List<Endpoint> peers,
      List<Endpoint> orderers,
      List<String> tlsRootCertificates) {}

  /** A node's gRPC endpoint, served with TLS that requires a client certificate. */
  public record Endpoint(String nodeId, String mspId, String host, int port) {}

  /**
   * Makes an invite for {@code mspId} on a ledger, asked by {@code caller}.
   *
   * @throws Refusal LEDGER_NOT_FOUND, LEDGER_NOT_ACTIVE, NOT_A_MEMBER, FORBIDDEN or
   *     INVALID_VALIDITY
   */
  public NewInvite invite(Principal caller, String ledgerId, String mspId, Duration validity)
      throws Refusal, SQLException, CaException {
    return invite(caller, ledgerId, mspId, validity, 0);
  }

  /**
   * Makes an invite that also lets the member certify up to {@code nodes} peers of its own (to run
   * with {@code patchwork node run}).
   *
   * @throws Refusal as {@link #invite(Principal, String, String, Duration)}, or INVALID_NODES
   */
  public NewInvite invite(
      Principal caller, String ledgerId, String mspId, Duration validity, int nodes)
      throws Refusal, SQLException, CaException {
    if (nodes < 0 || nodes > MAX_OWN_NODES) {
      throw new Refusal(
          ApiError.INVALID_NODES, "an invite certifies 0 to " + MAX_OWN_NODES + " nodes");
    }
    if (!caller.isOperator() && !caller.actsFor(ledgerId, caller.mspId().orElseThrow())) {
      throw new Refusal(
          ApiError.FORBIDDEN, "only the operator or a member of ledger " + ledgerId + " invites");
    }
    if (validity.compareTo(Duration.ofMinutes(1)) < 0
        || validity.compareTo(InviteScope.MAX_VALIDITY) > 0) {
      throw new Refusal(ApiError.INVALID_VALIDITY, "an invite is valid for 1 minute to 30 days");
    }
    HostedLedger ledger = ledgers.activeLedger(ledgerId);
    if (!caller.isOperator()
        && ledgers.record(ledgerId).parties().stream().anyMatch(p -> p.mspId().equals(mspId))) {
      throw new Refusal(
          ApiError.FORBIDDEN,
          "the ledger's founding parties are invited by the operator; members invite only"
              + " organisations they voted in");
    }
    LedgerConfig config = ledger.config();
    Member member =
        config.getMembersList().stream()
            .filter(m -> m.getMspId().equals(mspId))
            .findFirst()
            .orElseThrow(
                () ->
                    new Refusal(
                        ApiError.NOT_A_MEMBER,
                        mspId
                            + " is not a member of ledger "
                            + ledgerId
                            + ": invite its parties, or an organisation the members voted in"));
    ledgers.requireOwnAuthority(ledgerId, config);
    CertificateAuthority authority = ledgers.authority(ledgerId);
    NewInvite invite =
        authority.invite(
            new InviteScope(
                member.getOrganization(),
                member.getMspId(),
                nodes == 0
                    ? Set.of(Role.ADMIN, Role.CLIENT)
                    : Set.of(Role.ADMIN, Role.CLIENT, Role.PEER, Role.ORDERER),
                nodes,
                validity));
    log.info(
        "invite.created ledger={} msp={} invite={} by=\"{}\" expires={}",
        ledgerId,
        mspId,
        invite.invite().id(),
        caller.describe(),
        invite.invite().expiresAt());
    return invite;
  }

  /**
   * Cancels an open invite of a ledger: the operator any, a member admin one for an organisation
   * the members voted in (as it may invite those).
   *
   * @throws Refusal LEDGER_NOT_FOUND or FORBIDDEN
   * @throws CaException INVITE_NOT_FOUND, or the state of an invite no longer open
   *     (INVITE_ALREADY_REDEEMED, INVITE_EXPIRED, INVITE_CANCELLED)
   */
  public Invite cancel(Principal caller, String ledgerId, String inviteId)
      throws Refusal, SQLException, CaException {
    LedgerRecord record = ledgers.record(ledgerId);
    CertificateAuthority authority = ledgers.authority(ledgerId);
    Invite invite =
        authority.invites().stream()
            .filter(i -> i.id().equals(inviteId))
            .findFirst()
            .orElseThrow(
                () ->
                    new CaException(
                        CaError.INVITE_NOT_FOUND,
                        "ledger " + ledgerId + " has no invite '" + inviteId + "'"));
    if (!caller.isOperator()
        && (!caller.actsFor(ledgerId, caller.mspId().orElseThrow())
            || record.parties().stream().anyMatch(p -> p.mspId().equals(invite.scope().mspId())))) {
      throw new Refusal(
          ApiError.FORBIDDEN,
          "only the operator, or a member for an organisation the members voted in, cancels"
              + " invites");
    }
    Invite cancelled = authority.cancelInvite(inviteId);
    log.info(
        "invite.cancelled ledger={} invite={} msp={} by={}",
        ledgerId,
        inviteId,
        invite.scope().mspId(),
        caller.describe());
    return cancelled;
  }

  /** The invites of a ledger, without their tokens (which are never kept). */
  public List<Invite> list(String ledgerId) throws Refusal, SQLException, CaException {
    ledgers.record(ledgerId);
    return ledgers.authority(ledgerId).invites();
  }

  /** What an invite's holder sees before redeeming: the invite and the ledger it joins. */
  public record Preview(Invite invite, LedgerRecord ledger, LedgerConfig config) {}

  /**
   * The open invite {@code token} redeems at ledger {@code ledgerId}, with the ledger as it runs
   * now (its members, voting rule and lifespan), for the holder to read before redeeming. The token
   * is the credential, as for {@link #redeem}; nothing changes.
   *
   * @throws Refusal LEDGER_NOT_FOUND, LEDGER_NOT_ACTIVE or AUTHORITY_REPLACED
   * @throws CaException INVITE_NOT_FOUND, INVITE_WRONG_LEDGER, INVITE_EXPIRED,
   *     INVITE_ALREADY_REDEEMED or INVITE_CANCELLED
   */
  public Preview preview(String ledgerId, String token) throws Refusal, SQLException, CaException {
    InviteToken parsed = InviteToken.parse(token);
    HostedLedger ledger = ledgers.activeLedger(ledgerId);
    ledgers.requireOwnAuthority(ledgerId, ledger.config());
    Invite invite = ledgers.authority(ledgerId).openInvite(parsed);
    return new Preview(invite, ledgers.record(ledgerId), ledger.config());
  }

  /**
   * Redeems an invite with the member's CSRs.
   *
   * @throws Refusal LEDGER_NOT_FOUND or LEDGER_NOT_ACTIVE
   * @throws CaException for the token (INVITE_NOT_FOUND, INVITE_EXPIRED, INVITE_ALREADY_REDEEMED,
   *     INVITE_CANCELLED) or a CSR (MALFORMED_CSR, CSR_SIGNATURE_INVALID, SUBJECT_MISMATCH,
   *     ROLE_NOT_ALLOWED, ...); nothing is issued then and the invite stays as it was
   */
  public Redeemed redeem(String ledgerId, String token, List<CsrSubmission> csrs, boolean hostPeer)
      throws Refusal, SQLException, CaException {
    return redeem(ledgerId, token, csrs, hostPeer, false);
  }

  /**
   * Redeems an invite; with {@code hostAdmin}, the manager also issues an admin identity for the
   * member and keeps its key, to sign the member's proposals and ballots when asked with the
   * member's API token (which is then bound to that identity unless the member's own CSRs asked for
   * an admin certificate).
   */
  public Redeemed redeem(
      String ledgerId, String token, List<CsrSubmission> csrs, boolean hostPeer, boolean hostAdmin)
      throws Refusal, SQLException, CaException {
    InviteToken parsed = InviteToken.parse(token);
    HostedLedger ledger = ledgers.activeLedger(ledgerId);
    ledgers.requireOwnAuthority(ledgerId, ledger.config());
    Redemption redemption = ledgers.authority(ledgerId).redeem(parsed, csrs);
    String mspId = redemption.invite().scope().mspId();
    Optional<IssuedCertificate> admin =
        redemption.certificates().stream()
            .filter(c -> c.role() == Role.ADMIN && c.profile() == CertificateProfile.SIGNING)
            .findFirst();
    Optional<X509Certificate> hostedAdmin = Optional.empty();
    Optional<String> boundTo = admin.map(IssuedCertificate::serialHex);
    if (hostAdmin) {
      try {
        IssuedCredential kept =
            hostedAdmins.create(
                ledgers.authority(ledgerId),
                ledgerId,
                redemption.invite().scope().organisation(),
                mspId);
        hostedAdmin = Optional.of(kept.certificate().certificate());
        ledgers.keepCustody(ledgerId, mspId);
        if (boundTo.isEmpty()) {
          boundTo = Optional.of(kept.certificate().serialHex());
        }
      } catch (IOException e) {
        throw new CaException(
            CaError.STORAGE_FAILURE,
            "the hosted admin identity could not be kept: " + e.getMessage(),
            e);
      }
    }
    Optional<ApiTokens.Issued> apiToken = Optional.empty();
    if (boundTo.isPresent()) {
      apiToken = Optional.of(tokens.issueMemberAdmin(ledgerId, mspId, boundTo.get()));
    }
    log.info(
        "invite.redeemed ledger={} msp={} invite={} certificates={}",
        ledgerId,
        mspId,
        redemption.invite().id(),
        redemption.certificates().size());
    Optional<HostedPeer> hosted = Optional.empty();
    if (hostPeer) {
      try {
        hosted =
            Optional.of(
                new HostedPeer(Optional.of(ledgers.hostPeer(ledgerId, mspId)), Optional.empty()));
      } catch (Refusal e) {
        hosted = Optional.of(new HostedPeer(Optional.empty(), Optional.of(e)));
      }
    }
    // After the hosted peer started: the profile lists it first.
    return new Redeemed(
        redemption,
        apiToken,
        profile(ledger, mspId),
        hosted,
        hostedAdmin,
        ledgers.authority(ledgerId).crl());
  }

  /** The connection profile of a running ledger for one of its members. */
  public static ConnectionProfile profile(HostedLedger ledger, String mspId) {
    LedgerConfig config = ledger.config();
    List<Endpoint> peers = new ArrayList<>();
    List<HostedNode> all = ledger.peers();
    // The member's own peers first (its hosted peer included): its applications connect to them.
    all.stream()
        .filter(p -> p.mspId().equals(mspId))
        .forEach(p -> peers.add(new Endpoint(p.nodeId(), p.mspId(), p.host(), p.port())));
    all.stream()
        .filter(p -> !p.mspId().equals(mspId))
        .forEach(p -> peers.add(new Endpoint(p.nodeId(), p.mspId(), p.host(), p.port())));
    List<Endpoint> orderers =
        config.getOrderersList().stream()
            .map(o -> new Endpoint(o.getNodeId(), o.getMspId(), o.getHost(), o.getPort()))
            .toList();
    Set<String> roots = new LinkedHashSet<>();
    for (Member member : config.getMembersList()) {
      member
          .getRootCertificatesList()
          .forEach(r -> roots.add(r.toString(StandardCharsets.US_ASCII)));
    }
    return new ConnectionProfile(config.getLedgerId(), mspId, peers, orderers, List.copyOf(roots));
  }
}
