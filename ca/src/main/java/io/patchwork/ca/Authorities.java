package io.patchwork.ca;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The authorities kept in one store and one key directory. Thread-safe. */
final class Authorities implements CertificateAuthorities {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateAuthority.class);

  private final CaStore store;
  private final KeyStoreDirectory keys;
  private final Clock clock;
  private final SecureRandom random;
  private final X509Factory factory;

  Authorities(CaStore store, KeyStoreDirectory keys, Clock clock, SecureRandom random) {
    this.store = store;
    this.keys = keys;
    this.clock = clock;
    this.random = random;
    this.factory = new X509Factory(random);
  }

  @Override
  public CertificateAuthority createRoot(AuthoritySpec spec) throws CaException {
    Objects.requireNonNull(spec, "spec");
    Subjects.checkAuthority(spec);
    refuseExisting(spec.ledgerId());
    Instant now = now();
    KeyPair keyPair = Keys.newP256(random);
    X509Certificate certificate =
        factory.root(
            keyPair.getPublic(),
            keyPair.getPrivate(),
            Subjects.authority(spec),
            now,
            now.plus(spec.authorityLifetime()));
    return persist(spec, keyPair.getPrivate(), List.of(certificate), now, "root");
  }

  @Override
  public CertificateAuthority createIntermediate(
      AuthoritySpec spec, PrivateKey issuerKey, List<X509Certificate> issuerChain)
      throws CaException {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(issuerKey, "issuerKey");
    Objects.requireNonNull(issuerChain, "issuerChain");
    Subjects.checkAuthority(spec);
    Instant now = now();
    X509Certificate issuer = checkIssuer(issuerKey, issuerChain, now);
    refuseExisting(spec.ledgerId());
    KeyPair keyPair = Keys.newP256(random);
    Instant until = min(now.plus(spec.authorityLifetime()), issuer.getNotAfter().toInstant());
    X509Certificate certificate =
        factory.intermediate(
            keyPair.getPublic(), Subjects.authority(spec), issuerKey, issuer, now, until);
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(certificate);
    chain.addAll(issuerChain);
    return persist(spec, keyPair.getPrivate(), chain, now, "intermediate");
  }

  @Override
  public CertificateAuthority open(String ledgerId) throws CaException {
    CaStore.AuthorityRow row = row(ledgerId);
    Path file = keyFile(row);
    PrivateKey key = keys.read(file);
    requireMatch(key, row, file.toString());
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(row.certificate());
    chain.addAll(row.issuerChain());
    LOG.atInfo()
        .setMessage("certificate authority opened")
        .addKeyValue("event", "ca.authority.opened")
        .addKeyValue("ledger", ledgerId)
        .log();
    return new Authority(
        ledgerId, key, chain, row.leafLifetime(), row.crlValidity(), store, factory, clock, random);
  }

  /**
   * Where this process finds an authority's key store: the file recorded when it was made, or —
   * where another instance made it and this one adopted it — this key directory's file for it.
   */
  private Path keyFile(CaStore.AuthorityRow row) {
    Path own = keys.fileFor(row.ledgerId());
    return Files.exists(row.keyFile()) || !Files.exists(own) ? row.keyFile() : own;
  }

  private void requireMatch(PrivateKey key, CaStore.AuthorityRow row, String name)
      throws CaException {
    if (!Keys.matches(key, row.certificate().getPublicKey(), random)) {
      throw new CaException(
          CaError.KEYSTORE_UNREADABLE,
          "key store "
              + name
              + " holds a key that does not match ledger "
              + row.ledgerId()
              + "'s authority certificate");
    }
  }

  private CaStore.AuthorityRow row(String ledgerId) throws CaException {
    Objects.requireNonNull(ledgerId, "ledgerId");
    Subjects.checkLedgerId(ledgerId);
    return store
        .authority(ledgerId)
        .orElseThrow(
            () ->
                new CaException(
                    CaError.AUTHORITY_NOT_FOUND, "ledger " + ledgerId + " has no authority"));
  }

  @Override
  public byte[] exportKeyStore(String ledgerId) throws CaException {
    return keys.encoded(keyFile(row(ledgerId)));
  }

  @Override
  public void adoptKeyStore(String ledgerId, byte[] keyStore) throws CaException {
    CaStore.AuthorityRow row = row(ledgerId);
    requireMatch(keys.decode("of ledger " + ledgerId, keyStore), row, "of ledger " + ledgerId);
    Path file = keys.install(ledgerId, keyStore, random);
    LOG.atInfo()
        .setMessage("certificate authority key store adopted from another instance")
        .addKeyValue("event", "ca.keystore.adopted")
        .addKeyValue("ledger", ledgerId)
        .addKeyValue("keyFile", file)
        .log();
  }

  @Override
  public List<String> ledgerIds() throws CaException {
    return store.ledgerIds();
  }

  @Override
  public boolean delete(String ledgerId) throws CaException {
    boolean existed = store.deleteAuthority(ledgerId);
    try {
      Files.deleteIfExists(keys.fileFor(ledgerId));
    } catch (IOException e) {
      throw new CaException(
          CaError.KEYSTORE_UNREADABLE,
          "the key store of ledger " + ledgerId + " could not be deleted: " + e.getMessage(),
          e);
    }
    return existed;
  }

  private CertificateAuthority persist(
      AuthoritySpec spec, PrivateKey key, List<X509Certificate> chain, Instant now, String kind)
      throws CaException {
    X509Certificate certificate = chain.get(0);
    X509CRL firstCrl =
        factory.crl(
            key,
            certificate,
            java.math.BigInteger.valueOf(CaStore.FIRST_CRL_NUMBER),
            now,
            now.plus(spec.crlValidity()),
            List.of());
    Path keyFile = keys.fileFor(spec.ledgerId());
    AtomicBoolean written = new AtomicBoolean();
    try {
      store.insertAuthority(
          new CaStore.AuthorityRow(
              spec.ledgerId(),
              certificate,
              chain.subList(1, chain.size()),
              keyFile,
              spec.leafLifetime(),
              spec.crlValidity(),
              now),
          firstCrl,
          () -> {
            keys.create(spec.ledgerId(), key, chain, random);
            written.set(true);
          });
    } catch (CaException e) {
      if (written.get()) {
        keys.delete(keyFile);
      }
      throw e;
    }
    LOG.atInfo()
        .setMessage("certificate authority created")
        .addKeyValue("event", "ca.authority.created")
        .addKeyValue("ledger", spec.ledgerId())
        .addKeyValue("kind", kind)
        .addKeyValue("subject", certificate.getSubjectX500Principal().getName())
        .addKeyValue("notAfter", certificate.getNotAfter().toInstant())
        .addKeyValue("keyFile", keyFile)
        .log();
    return new Authority(
        spec.ledgerId(),
        key,
        chain,
        spec.leafLifetime(),
        spec.crlValidity(),
        store,
        factory,
        clock,
        random);
  }

  private void refuseExisting(String ledgerId) throws CaException {
    if (store.authority(ledgerId).isPresent()) {
      throw new CaException(
          CaError.AUTHORITY_EXISTS, "ledger " + ledgerId + " has an authority already");
    }
  }

  private X509Certificate checkIssuer(
      PrivateKey issuerKey, List<X509Certificate> issuerChain, Instant now) throws CaException {
    if (issuerChain.isEmpty()) {
      throw new CaException(CaError.ISSUER_INVALID, "the issuer chain is empty");
    }
    X509Certificate issuer = issuerChain.get(0);
    if (issuer.getBasicConstraints() < 0) {
      throw new CaException(CaError.ISSUER_INVALID, "the issuer certificate is not a CA");
    }
    boolean[] usage = issuer.getKeyUsage();
    if (usage != null && !usage[5]) {
      throw new CaException(
          CaError.ISSUER_INVALID, "the issuer certificate may not sign certificates (keyCertSign)");
    }
    if (now.isBefore(issuer.getNotBefore().toInstant())
        || !now.isBefore(issuer.getNotAfter().toInstant())) {
      throw new CaException(CaError.ISSUER_INVALID, "the issuer certificate is not valid now");
    }
    if (!Keys.matches(issuerKey, issuer.getPublicKey(), random)) {
      throw new CaException(
          CaError.ISSUER_INVALID, "the issuer key does not match the issuer certificate");
    }
    return issuer;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
