package io.patchwork.manager.access;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's bearer tokens: 256 random bits written {@code pwt_} and 43 base64url characters, each
 * bound to a {@link Principal}. Only a token's SHA-256 is stored; the token itself is returned
 * once, when it is issued. Lookups are cached for {@link #CACHE_FOR} so that a request does not
 * wait on the database; a revocation takes effect at once on this instance and, passed on through
 * {@link #onRevocation}, on the others of its cluster.
 *
 * <p>Blocking (JDBC) except {@link #cached}: call the rest off the event loop. Thread-safe.
 */
public final class ApiTokens {
  private static final Logger log = LoggerFactory.getLogger(ApiTokens.class);
  static final String PREFIX = "pwt_";
  private static final Pattern FORMAT = Pattern.compile("pwt_[A-Za-z0-9_-]{43}");

  /** How long a successful lookup is trusted without asking the database again. */
  public static final Duration CACHE_FOR = Duration.ofSeconds(30);

  private final DataSource dataSource;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  private volatile BiConsumer<String, String> revocations = (ledger, msp) -> {};

  private record Cached(Principal principal, Instant until) {}

  public ApiTokens(DataSource dataSource, Clock clock) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A token just issued: the secret to hand over once, and whom it stands for. */
  public record Issued(String token, Principal principal) {
    @Override
    public String toString() {
      return "Issued[token=redacted, principal=" + principal.describe() + "]";
    }
  }

  /** Issues a token for the operator. */
  public Issued issueOperator() throws SQLException {
    return issue(Principal.operator(newId()));
  }

  /** Issues a token for a member organisation's admin, bound to its admin certificate. */
  public Issued issueMemberAdmin(String ledgerId, String mspId, String certificateSerial)
      throws SQLException {
    return issue(Principal.memberAdmin(newId(), ledgerId, mspId, certificateSerial));
  }

  private Issued issue(Principal principal) throws SQLException {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO api_token (token_hash, id, role, ledger_id, msp_id, certificate,"
                    + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, hash(token));
      insert.setString(2, principal.tokenId());
      insert.setString(3, principal.kind().name());
      insert.setString(4, principal.ledgerId().orElse(null));
      insert.setString(5, principal.mspId().orElse(null));
      insert.setString(6, principal.certificateSerial().orElse(null));
      insert.setTimestamp(7, Timestamp.from(clock.instant()));
      insert.executeUpdate();
    }
    log.info(
        "access.token_issued token_id={} for=\"{}\"", principal.tokenId(), principal.describe());
    return new Issued(token, principal);
  }

  /** The principal of a token this instance looked up recently, without touching the database. */
  public Optional<Principal> cached(String token) {
    if (token == null || !FORMAT.matcher(token).matches()) {
      return Optional.empty();
    }
    Cached hit = cache.get(hash(token));
    if (hit == null || clock.instant().isAfter(hit.until())) {
      return Optional.empty();
    }
    return Optional.of(hit.principal());
  }

  /** The principal a token stands for, if it is a token issued here and not revoked. */
  public Optional<Principal> authenticate(String token) throws SQLException {
    if (token == null || !FORMAT.matcher(token).matches()) {
      return Optional.empty();
    }
    String hash = hash(token);
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT id, role, ledger_id, msp_id, certificate FROM api_token"
                    + " WHERE token_hash = ? AND revoked_at IS NULL")) {
      select.setString(1, hash);
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        Principal principal =
            new Principal(
                row.getString("id"),
                Principal.Kind.valueOf(row.getString("role")),
                Optional.ofNullable(row.getString("ledger_id")),
                Optional.ofNullable(row.getString("msp_id")),
                Optional.ofNullable(row.getString("certificate")));
        cache.put(hash, new Cached(principal, clock.instant().plus(CACHE_FOR)));
        return Optional.of(principal);
      }
    }
  }

  /** Revokes every token of a member organisation on a ledger (it left, or the ledger ended). */
  public int revokeMember(String ledgerId, String mspId) throws SQLException {
    int revoked;
    try (Connection connection = dataSource.getConnection();
        PreparedStatement update =
            connection.prepareStatement(
                "UPDATE api_token SET revoked_at = ? WHERE ledger_id = ? AND msp_id = ?"
                    + " AND revoked_at IS NULL")) {
      update.setTimestamp(1, Timestamp.from(clock.instant()));
      update.setString(2, ledgerId);
      update.setString(3, mspId);
      revoked = update.executeUpdate();
    }
    forgetMember(ledgerId, mspId);
    log.info("access.tokens_revoked ledger={} msp={} count={}", ledgerId, mspId, revoked);
    revocations.accept(ledgerId, mspId);
    return revoked;
  }

  /**
   * Drops what this instance remembers of a member's tokens, so that the next request with one is
   * checked against the registry: how another instance's revocation takes effect here at once.
   */
  public void forgetMember(String ledgerId, String mspId) {
    cache.entrySet().removeIf(entry -> entry.getValue().principal().actsFor(ledgerId, mspId));
  }

  /**
   * Tells {@code listener} of each member whose tokens this instance revokes (the cluster passes it
   * on to the other instances); replaces the listener before.
   */
  public void onRevocation(BiConsumer<String, String> listener) {
    revocations = Objects.requireNonNull(listener, "listener");
  }

  /**
   * The operator's token, kept in {@code file} (readable by its owner only): issued on first use,
   * issued again if the file is gone or holds a token that no longer works. The token never goes to
   * a log; the operator reads it from the file.
   *
   * @return whether a new token was written
   */
  public boolean ensureOperatorToken(Path file) throws SQLException, IOException {
    if (Files.exists(file)) {
      String kept = Files.readString(file, StandardCharsets.US_ASCII).strip();
      Optional<Principal> principal = authenticate(kept);
      if (principal.isPresent() && principal.get().isOperator()) {
        return false;
      }
      log.warn(
          "access.operator_token_replaced file={} reason=\"the kept token is not valid\"", file);
    }
    Issued issued = issueOperator();
    Path fresh = file.resolveSibling(file.getFileName() + ".new");
    Files.deleteIfExists(fresh);
    Files.createFile(
        fresh, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(fresh, issued.token() + "\n", StandardCharsets.US_ASCII);
    Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    log.info("access.operator_token_written file={}", file);
    return true;
  }

  private static String newId() {
    return "tok-" + UUID.randomUUID();
  }

  static String hash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(token.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
