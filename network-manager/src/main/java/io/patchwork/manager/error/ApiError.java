package io.patchwork.manager.error;

import io.patchwork.ca.CaError;

/**
 * Every error code the network manager's API answers with: the code programs match on (its name,
 * never changed once released), the HTTP status it is sent with, and what it means. The API writes
 * refusals in one place ({@code ApiVerticle.error}); domain code names the code, never a status.
 * The certificate authority's own codes ({@link CaError}) keep their names here.
 */
public enum ApiError {
  // The request itself.
  MALFORMED_REQUEST(400, "the body is not the JSON the route expects; the message names the field"),
  BODY_TOO_LARGE(413, "the body is larger than the API accepts"),
  NOT_FOUND(404, "no such resource"),
  METHOD_NOT_ALLOWED(405, "the method is not allowed on this resource"),
  NOT_READY(503, "the service is starting or stopping"),
  INTERNAL(500, "the request failed on the server; its log says why"),

  // Who asks.
  UNAUTHENTICATED(401, "no bearer token was sent"),
  INVALID_TOKEN(401, "the bearer token is unknown or revoked"),
  CLIENT_CERTIFICATE_REFUSED(
      401, "the client certificate is not a member admin's of a ledger here"),
  CLIENT_CERTIFICATE_REVOKED(401, "the client certificate is revoked by its ledger's authority"),
  CLIENT_CERTIFICATE_EXPIRED(401, "the client certificate is outside its validity period"),
  FORBIDDEN(403, "the caller may not do this"),

  // Templates and ledgers.
  TEMPLATE_NOT_FOUND(404, "no such template"),
  UNKNOWN_TEMPLATE(400, "the ledger names no built-in template"),
  INVALID_NAME(400, "the ledger's name is not 1 to 63 lower-case letters, digits or '-'"),
  INVALID_OVERRIDES(400, "a template override is unknown or out of range"),
  INVALID_PARTIES(400, "the parties do not fit the template, or one is malformed or repeated"),
  DUPLICATE_NAME(409, "a ledger of that name exists"),
  NOT_A_FABRIC_CONFIG_BLOCK(422, "fabricConfigBlock is not a Fabric channel config block"),
  UNSUPPORTED_FABRIC_CONFIG(
      422, "the Fabric channel uses something a Patchwork ledger cannot express"),
  INVALID_FABRIC_BLOCKS(
      422, "fabricBlocks are not the Fabric channel's chain from its genesis block"),
  INVALID_CHAINCODE_PACKAGE(
      422, "a chaincode's name or chaincode-as-a-service package is not usable"),
  LEDGER_NOT_FOUND(404, "no such ledger"),
  LEDGER_NOT_ACTIVE(409, "the ledger is not ACTIVE here"),
  LEDGER_NOT_RUNNING(409, "the ledger's nodes do not run here"),
  LEDGER_MOVING(503, "the instance running the ledger does not answer; another takes over"),
  LEDGER_UNAVAILABLE(503, "the ledger did not order or commit the transaction in time"),
  LEDGER_BUSY(503, "blocks kept landing while the statement was computed; try again"),
  LEDGER_FAILED(500, "a node of the ledger failed; the nodes' log says why"),

  // Members, invites and peers.
  NOT_A_MEMBER(400, "the organisation is not a member of the ledger"),
  INVALID_VALIDITY(400, "an invite is valid for 1 minute to 30 days"),
  INVALID_NODES(400, "an invite certifies 0 to the allowed number of nodes"),
  PEER_EXISTS(409, "the member already runs a peer here"),
  PEER_NOT_STARTED(500, "the hosted peer could not be started"),
  NO_HOSTED_PEER(409, "the member has no peer here to submit through"),
  AUTHORITY_REPLACED(409, "the members replaced this manager's authority; theirs certifies now"),
  AUTHORITY_NOT_REPLACED(409, "the ledger still trusts this manager's authority"),

  // Governance.
  MALFORMED_PROPOSAL(400, "the proposal's signer is not a serialized identity"),
  PROPOSAL_NOT_FOUND(404, "the ledger has no such proposal"),
  PROPOSAL_REFUSED(422, "the ledger's peers would refuse the proposal; the message says why"),
  BALLOT_REFUSED(422, "the ledger's peers would refuse the ballot; the message says why"),
  ACTION_FAILED(422, "the proposal was approved but its effect cannot be applied"),
  DECISION_REFUSED(422, "the proposal was approved but the ledger refused its decision"),
  NO_HOSTED_ADMIN(409, "the member keeps no admin identity here"),
  REMOVAL_NEEDS_CRL(422, "a removal must carry the authority's CRL revoking the member"),
  UPGRADE_WINDOW_CLOSED(422, "the ledger's contracts may no longer be upgraded"),
  HOSTED_ADMIN_UNAVAILABLE(500, "the hosted admin identity cannot be read"),

  // Recertification.
  MALFORMED_CERTIFICATE(400, "a certificate is not PEM or not X.509"),
  TOO_MANY_CERTIFICATES(400, "a request carries 1 to the allowed number of certificates"),
  UNKNOWN_KEY(400, "a certificate certifies no key the manager asked for"),
  UNTRUSTED_CERTIFICATE(400, "a certificate does not chain to the members' authority"),
  WRONG_SUBJECT(400, "a certificate names another MSP id or role"),
  WRONG_PROFILE(400, "a certificate is not of the kind its key was asked for"),
  INCOMPLETE_PEER(400, "a peer needs its signing and TLS certificates together"),

  // Settlement.
  LEDGER_NOT_CLOSING(409, "the members have not voted to close the ledger"),
  SUCCESSOR_CANNOT_CARRY(
      409, "the closing positions include an organisation that is no longer a member"),
  TOO_FEW_HOSTED_PEERS(409, "too few members have a peer here to sign the statement"),
  STATEMENT_REFUSED(422, "the peers kept refusing the settlement statement"),
  ARCHIVE_FAILED(500, "the archive could not be written or does not verify"),
  NO_STATEMENT(404, "the ledger has not ended with a statement"),
  NO_ARCHIVE(404, "the ledger has no archive"),
  LEDGER_NOT_ARCHIVED(409, "a successor carries on an archived ledger only"),
  ARCHIVE_INVALID(409, "the ledger's archive does not verify"),

  // The certificate authority's refusals, by their own names.
  INVALID_ARGUMENT(400, "an argument to the authority is missing or out of range"),
  MALFORMED_CSR(400, "a CSR is not a well-formed PKCS#10 request"),
  CSR_TOO_LARGE(413, "a CSR is larger than the authority accepts"),
  CSR_SIGNATURE_INVALID(400, "a CSR's own signature does not verify"),
  KEY_NOT_ALLOWED(400, "a CSR's key is not one the authority certifies"),
  SUBJECT_MISMATCH(403, "a CSR's subject differs from what the invite allows"),
  ROLE_NOT_ALLOWED(403, "a CSR asks for a role the invite does not allow"),
  NODE_QUOTA_EXCEEDED(403, "the redemption asks for more node certificates than the invite allows"),
  INVITE_NOT_FOUND(404, "no invite matches the token"),
  INVITE_EXPIRED(410, "the invite's validity has ended"),
  INVITE_ALREADY_REDEEMED(409, "the invite was redeemed before; invites are one-time"),
  INVITE_CANCELLED(410, "the invite was cancelled"),
  INVITE_WRONG_LEDGER(403, "the invite is for another ledger"),
  AUTHORITY_NOT_FOUND(404, "the ledger has no authority here"),
  AUTHORITY_EXISTS(409, "the ledger has an authority already"),
  CERTIFICATE_NOT_FOUND(404, "no such certificate"),
  ALREADY_REVOKED(409, "the certificate was revoked before"),
  CERTIFICATE_IN_USE(409, "a node or hosted admin identity the manager runs uses the certificate"),
  REVOCATION_REFUSED(422, "the ledger's nodes would refuse the revocation; the message says why"),
  CERTIFICATE_REVOKED(409, "the certificate is revoked, so it cannot be renewed"),
  CERTIFICATE_EXPIRED(409, "the certificate has expired, so it cannot be renewed"),
  CERTIFICATE_SUPERSEDED(409, "the certificate was renewed before: renew its successor"),
  PASSPHRASE_INVALID(500, "the authority's passphrase is missing or too short"),
  KEYSTORE_UNREADABLE(500, "the authority's key store cannot be read"),
  ISSUER_INVALID(500, "the issuer of an intermediate authority cannot sign certificates"),
  STORAGE_FAILURE(500, "the authority's storage failed");

  private final int status;
  private final String meaning;

  ApiError(int status, String meaning) {
    this.status = status;
    this.meaning = meaning;
  }

  /** The HTTP status the code is answered with. */
  public int status() {
    return status;
  }

  /** What the code means, for people; the response's message says more about the case. */
  public String meaning() {
    return meaning;
  }

  /**
   * The API's code for a certificate authority refusal: the same name.
   *
   * @throws IllegalArgumentException if the authority has a code the API does not know (a test
   *     keeps the two in step)
   */
  public static ApiError of(CaError error) {
    return valueOf(error.name());
  }
}
