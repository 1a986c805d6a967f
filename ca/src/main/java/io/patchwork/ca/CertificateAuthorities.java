package io.patchwork.ca;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The authorities of all ledgers kept in one state store and one key directory.
 *
 * <p>State (issued certificates, revocations, CRLs, invites) lives in a relational database: H2 for
 * the embedded default, PostgreSQL in production; the schema is migrated by Flyway on {@link
 * Builder#build()} with its own history table, {@code ca_schema_history}. Private keys of the
 * authorities live only in PKCS#12 files under the key directory, encrypted with the passphrase
 * (AES-256, PBKDF2-HMAC-SHA256) and readable by their owner only.
 *
 * <pre>{@code
 * CertificateAuthorities authorities = CertificateAuthorities.builder()
 *     .dataSource(dataSource)
 *     .keyDirectory(Path.of("data/ca-keys"))
 *     .passphrase(Passphrase.fromEnvironment("PATCHWORK_CA_PASSPHRASE"))
 *     .build();
 * CertificateAuthority ca = authorities.createRoot(AuthoritySpec.of("trade-2026", "Operator"));
 * }</pre>
 */
public interface CertificateAuthorities {

  /** A builder; data source, key directory and passphrase are required. */
  static Builder builder() {
    return new Builder();
  }

  /** Makes a ledger's authority with a new self-signed root certificate. */
  CertificateAuthority createRoot(AuthoritySpec spec) throws CaException;

  /**
   * Makes a ledger's authority as an intermediate under an operator's CA.
   *
   * @param issuerKey the operator CA's private key; used once to sign, never stored
   * @param issuerChain the operator CA's certificate first, its trust root last
   */
  CertificateAuthority createIntermediate(
      AuthoritySpec spec, PrivateKey issuerKey, List<X509Certificate> issuerChain)
      throws CaException;

  /** Opens an existing ledger's authority, reading its key from the key store. */
  CertificateAuthority open(String ledgerId) throws CaException;

  /**
   * A ledger authority's key store as it is kept (PKCS#12, encrypted with the passphrase), for
   * another instance sharing the state store and passphrase to {@link #adoptKeyStore adopt}.
   *
   * @throws CaException AUTHORITY_NOT_FOUND, or KEYSTORE_UNREADABLE if this process has no key
   *     store for it
   */
  byte[] exportKeyStore(String ledgerId) throws CaException;

  /**
   * Keeps another instance's key store of a ledger's authority in this key directory, so that
   * {@link #open} works here. It must open with this passphrase and hold the key of the authority's
   * recorded certificate.
   *
   * @throws CaException AUTHORITY_NOT_FOUND, KEYSTORE_UNREADABLE if it does not open or holds
   *     another key (nothing is written then), STORAGE_FAILURE if it cannot be written
   */
  void adoptKeyStore(String ledgerId, byte[] keyStore) throws CaException;

  /** The ledgers that have an authority here. */
  List<String> ledgerIds() throws CaException;

  /**
   * Deletes a ledger's authority — its key store file, certificates, invites and CRL — as when the
   * ledger it was made for could not be created. Certificates it issued can no longer be checked
   * against its CRL afterwards: use it only for an authority nobody relies on.
   *
   * @return whether there was such an authority
   */
  boolean delete(String ledgerId) throws CaException;

  /** Builds {@link CertificateAuthorities}. Arguments are checked at once. */
  final class Builder {
    private DataSource dataSource;
    private Path keyDirectory;
    private Passphrase passphrase;
    private Clock clock = Clock.systemUTC();
    private SecureRandom random;

    private Builder() {}

    /** Where state is kept. The caller owns it and closes it. */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /** The directory of the authorities' PKCS#12 key stores; made with mode 0700 if missing. */
    public Builder keyDirectory(Path keyDirectory) {
      this.keyDirectory = Objects.requireNonNull(keyDirectory, "keyDirectory");
      return this;
    }

    /** The passphrase that encrypts the key stores. */
    public Builder passphrase(Passphrase passphrase) {
      this.passphrase = Objects.requireNonNull(passphrase, "passphrase");
      return this;
    }

    /** The clock for validity periods and expiry; the system UTC clock by default. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The single source of randomness for keys, serial numbers, tokens and signatures; {@code new
     * SecureRandom()} by default.
     */
    public Builder random(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Migrates the state store's schema and returns the authorities.
     *
     * @throws CaException {@link CaError#STORAGE_FAILURE} if the store cannot be migrated
     */
    public CertificateAuthorities build() throws CaException {
      Objects.requireNonNull(dataSource, "dataSource is required");
      Objects.requireNonNull(keyDirectory, "keyDirectory is required");
      Objects.requireNonNull(passphrase, "passphrase is required");
      SecureRandom source = random != null ? random : new SecureRandom();
      return new Authorities(
          new CaStore(dataSource), new KeyStoreDirectory(keyDirectory, passphrase), clock, source);
    }
  }
}
