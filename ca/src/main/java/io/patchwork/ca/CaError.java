package io.patchwork.ca;

/**
 * Stable error codes of the certificate authority. The REST API and the command-line tools map them
 * to their own status codes; the names never change once released.
 */
public enum CaError {
  /** An argument is missing or out of range; the message names it. */
  INVALID_ARGUMENT,
  /** The CSR is not a well-formed PKCS#10 request in DER or PEM. */
  MALFORMED_CSR,
  /** The CSR is larger than the CA accepts. */
  CSR_TOO_LARGE,
  /** The CSR's own signature does not verify with the key it carries (no proof of possession). */
  CSR_SIGNATURE_INVALID,
  /** The key type, size or curve is not one the CA certifies. */
  KEY_NOT_ALLOWED,
  /** The requested subject differs from what the invite or request allows. */
  SUBJECT_MISMATCH,
  /** The requested role is not among the roles the invite or request allows. */
  ROLE_NOT_ALLOWED,
  /** The redemption asks for more node certificates than the invite allows. */
  NODE_QUOTA_EXCEEDED,
  /** No invite matches the token. */
  INVITE_NOT_FOUND,
  /** The invite's validity has ended. */
  INVITE_EXPIRED,
  /** The invite was redeemed before; invites are one-time. */
  INVITE_ALREADY_REDEEMED,
  /** The invite was cancelled by the operator. */
  INVITE_CANCELLED,
  /** The invite belongs to another ledger's authority. */
  INVITE_WRONG_LEDGER,
  /** No certificate with that serial number was issued by this authority. */
  CERTIFICATE_NOT_FOUND,
  /** The certificate is revoked, so it cannot be renewed. */
  CERTIFICATE_REVOKED,
  /** The certificate has expired, so it cannot be renewed; a new one must be requested. */
  CERTIFICATE_EXPIRED,
  /** The certificate was renewed before; renew its successor instead. */
  CERTIFICATE_SUPERSEDED,
  /** The certificate was revoked before. */
  ALREADY_REVOKED,
  /** No authority exists for that ledger. */
  AUTHORITY_NOT_FOUND,
  /** An authority for that ledger exists already. */
  AUTHORITY_EXISTS,
  /** The passphrase is missing or too short. */
  PASSPHRASE_INVALID,
  /** The key store cannot be read: wrong passphrase, corrupt file, or wrong permissions. */
  KEYSTORE_UNREADABLE,
  /** The issuer given for an intermediate authority cannot sign certificates. */
  ISSUER_INVALID,
  /** The state store failed; nothing was changed. */
  STORAGE_FAILURE
}
