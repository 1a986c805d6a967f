package io.patchwork.manager.ledger;

import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.PassphraseSeal;
import io.patchwork.node.host.EmbeddedLedgers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ledger's custody in the registry, for the cluster: what another manager instance needs to run
 * the ledger's peers and its authority when the instance running them is lost, without a shared
 * file system — the authority's key store, the peers' credentials and genesis block, and the admin
 * identities members keep with the manager. Sealed with the instances' shared key store passphrase
 * ({@link PassphraseSeal}, the ledger id as label) and replaced whenever those change; orderers'
 * keys are never in it (each orderer stays on its own instance).
 */
public final class LedgerCustody {
  private static final Logger log = LoggerFactory.getLogger(LedgerCustody.class);
  private static final String KEY_STORE = "authority.p12";
  private static final String CREDENTIALS = EmbeddedLedgers.CREDENTIALS + "/";
  private static final String ADMINS = "hosted-admins/";
  private static final List<String> ADMIN_FILES = List.of(".pem", ".p12");

  private final LedgerRegistry registry;
  private final CertificateAuthorities authorities;
  private final PassphraseSeal seal;
  private final Path hostedAdmins;
  private final String instance;

  public LedgerCustody(
      LedgerRegistry registry,
      CertificateAuthorities authorities,
      PassphraseSeal seal,
      Path hostedAdmins,
      String instance) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.authorities = Objects.requireNonNull(authorities, "authorities");
    this.seal = Objects.requireNonNull(seal, "seal");
    this.hostedAdmins = Objects.requireNonNull(hostedAdmins, "hostedAdmins");
    this.instance = Objects.requireNonNull(instance, "instance");
  }

  /**
   * Seals the ledger's custody from this instance's files and keeps it in the registry, replacing
   * what was kept.
   *
   * @param members the ledger's member MSP ids, whose hosted admin identities go with it
   */
  public void keep(String ledgerId, Path ledgerDirectory, Collection<String> members)
      throws IOException, CaException, SQLException {
    long started = System.nanoTime();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int files = 0;
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      add(zip, KEY_STORE, authorities.exportKeyStore(ledgerId));
      Path credentials = ledgerDirectory.resolve(EmbeddedLedgers.CREDENTIALS);
      List<Path> kept;
      try (Stream<Path> walk = Files.walk(credentials)) {
        kept =
            walk.filter(Files::isRegularFile)
                .filter(file -> !file.getFileName().toString().endsWith(".new"))
                .sorted()
                .toList();
      }
      for (Path file : kept) {
        add(zip, CREDENTIALS + credentials.relativize(file), Files.readAllBytes(file));
        files++;
      }
      for (String mspId : members) {
        for (String suffix : ADMIN_FILES) {
          Path file = hostedAdmins.resolve(ledgerId + "." + mspId + suffix);
          if (Files.isRegularFile(file)) {
            add(zip, ADMINS + file.getFileName(), Files.readAllBytes(file));
            files++;
          }
        }
      }
    }
    registry.keepCustody(ledgerId, seal.seal(label(ledgerId), bytes.toByteArray()), instance);
    log.info(
        "ledger.custody_kept ledger={} files={} millis={}",
        ledgerId,
        files,
        (System.nanoTime() - started) / 1_000_000);
  }

  /**
   * Opens the ledger's kept custody, if one is kept.
   *
   * @throws CaException KEYSTORE_UNREADABLE if it does not open here (another passphrase, or
   *     altered)
   */
  public Optional<Map<String, byte[]>> open(String ledgerId) throws SQLException, CaException {
    Optional<LedgerRegistry.Custody> kept = registry.custody(ledgerId);
    if (kept.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(entries(seal.open(label(ledgerId), kept.get().sealed())));
    } catch (IOException e) {
      throw new IllegalStateException(
          "the custody of ledger " + ledgerId + " opened but is not a zip archive", e);
    }
  }

  /**
   * Writes opened custody here: the credentials into {@code ledgerDirectory} (made anew, owner
   * only), the hosted admin identities, and the authority's key store into this instance's key
   * directory.
   */
  public void restore(String ledgerId, Map<String, byte[]> custody, Path ledgerDirectory)
      throws IOException, CaException {
    byte[] keyStore = custody.get(KEY_STORE);
    if (keyStore == null) {
      throw new IOException("the custody of ledger " + ledgerId + " holds no authority key store");
    }
    authorities.adoptKeyStore(ledgerId, keyStore);
    for (Map.Entry<String, byte[]> entry : custody.entrySet()) {
      Path target;
      if (entry.getKey().startsWith(CREDENTIALS)) {
        target = ledgerDirectory.resolve(entry.getKey());
      } else if (entry.getKey().startsWith(ADMINS)) {
        target = hostedAdmins.resolve(entry.getKey().substring(ADMINS.length()));
      } else {
        continue;
      }
      writeOwnerOnly(target, entry.getValue());
    }
  }

  /** Deletes the ledger's custody (its files are gone: retired or failed). */
  public void drop(String ledgerId) {
    try {
      registry.dropCustody(ledgerId);
    } catch (SQLException e) {
      log.warn("ledger.custody_not_dropped ledger={} reason=\"{}\"", ledgerId, e.toString());
    }
  }

  private static String label(String ledgerId) {
    return "custody of ledger " + ledgerId;
  }

  private static void add(ZipOutputStream zip, String name, byte[] content) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(content);
    zip.closeEntry();
  }

  private static Map<String, byte[]> entries(byte[] archive) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        String name = entry.getName();
        // Sealed by an instance, but still: no entry may point outside where it is written.
        if (name.startsWith("/") || List.of(name.split("/")).contains("..")) {
          throw new IOException("a custody entry names " + name);
        }
        entries.put(name, zip.readAllBytes());
      }
    }
    return entries;
  }

  private static void writeOwnerOnly(Path target, byte[] content) throws IOException {
    List<Path> missing = new ArrayList<>();
    for (Path parent = target.getParent();
        parent != null && !Files.exists(parent);
        parent = parent.getParent()) {
      missing.add(0, parent);
    }
    for (Path directory : missing) {
      Files.createDirectory(
          directory,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path fresh = target.resolveSibling(target.getFileName() + ".new");
    Files.deleteIfExists(fresh);
    Files.createFile(
        fresh, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.write(fresh, content);
    Files.move(fresh, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
