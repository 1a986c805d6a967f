package io.patchwork.ca;

import static io.patchwork.ca.CertificateAuthorityContract.adminCsr;
import static io.patchwork.ca.CertificateAuthorityContract.assertRefused;
import static io.patchwork.ca.CertificateAuthorityContract.scope;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The authority's log says what happened, with stable event names, and never a secret. */
class AuditLogTest {
  @TempDir Path directory;
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private Logger logger;
  private Level previous;

  @BeforeEach
  void capture() {
    logger = (Logger) LoggerFactory.getLogger(CertificateAuthority.class);
    previous = logger.getLevel();
    logger.setLevel(Level.INFO);
    events.start();
    logger.addAppender(events);
  }

  @AfterEach
  void release() {
    logger.detachAppender(events);
    logger.setLevel(previous);
  }

  @Test
  void every_change_is_logged_as_an_event_and_no_token_or_passphrase_is() throws Exception {
    CertificateAuthority ca = new CaFixture(directory, Databases.h2(directory)).root("audit");
    NewInvite invite = ca.invite(scope(Set.of(Role.ADMIN), 0));
    String token = invite.token().reveal();
    Redemption redemption = ca.redeem(invite.token(), List.of(adminCsr()));
    CaException refused =
        assertRefused(
            () -> ca.redeem(invite.token(), List.of(adminCsr())), CaError.INVITE_ALREADY_REDEEMED);
    ca.revoke(redemption.certificates().get(0).serial(), RevocationReason.UNSPECIFIED);

    assertThat(eventNames())
        .containsSubsequence(
            "ca.authority.created",
            "ca.invite.created",
            "ca.certificate.issued",
            "ca.invite.redeemed",
            "ca.certificate.revoked",
            "ca.crl.signed");
    String everything = String.join("\n", rendered());
    assertThat(everything)
        .doesNotContain(token)
        .doesNotContain(token.substring(4, 20))
        .doesNotContain(CaFixture.PASSPHRASE);
    assertThat(refused.getMessage()).doesNotContain(token.substring(4, 20));
  }

  private List<String> eventNames() {
    return events.list.stream()
        .flatMap(event -> event.getKeyValuePairs().stream())
        .filter(pair -> pair.key.equals("event"))
        .map(pair -> String.valueOf(pair.value))
        .toList();
  }

  private List<String> rendered() {
    return events.list.stream()
        .map(event -> event.getFormattedMessage() + " " + event.getKeyValuePairs())
        .toList();
  }
}
