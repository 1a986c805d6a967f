package io.patchwork.manager.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.manager.ManagerFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Keys;

/**
 * Bad input in the console's pages: a wrong operator token is refused and nothing is kept; an
 * organisation named with markup is shown as the characters it is and nothing of it runs; a used
 * and an expired invite link each say so clearly and change nothing.
 */
@Tag("cluster")
class ConsoleRefusalsTest {
  private static final Duration SLOW = Duration.ofSeconds(90);
  private static final String EVIL =
      "<img src=x onerror=\"pwned=1\"><script>pwned=2</script>Evil Bank";

  @TempDir Path directory;

  @Test
  void refused_input_in_the_pages_says_why_renders_as_text_and_changes_nothing() throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory.resolve("manager"));
        RecordingProxy proxy = RecordingProxy.start(URI.create(manager.manager().url()).getPort());
        Browser browser =
            Browser.open(proxy.origin(), Files.createDirectories(directory.resolve("downloads")))) {
      // At the keyboard: the token field has the focus, Enter signs in.
      browser.as("operator").open("/").find("input[name=token]");
      assertThat(browser.unlabelledControls()).isEmpty();
      browser.keys("pwt_" + "A".repeat(43), Keys.ENTER);
      assertThat(browser.awaitText("#sign-in .form-error", "refused", SLOW))
          .contains("INVALID_TOKEN");
      assertThat(browser.script("return sessionStorage.length")).isEqualTo(0L);
      browser.screenshot("10-wrong-token");

      JsonArray parties =
          new JsonArray()
              .add(new JsonObject().put("organization", EVIL).put("mspId", "EvilMSP"))
              .add(new JsonObject().put("organization", "Bank B").put("mspId", "BankBMSP"));
      manager.createNetting("evil", parties);
      manager.awaitStatus("evil", "ACTIVE", SLOW);
      Instant expiring = Instant.now().plusSeconds(60);
      String expired = link(proxy, manager, "EvilMSP", "PT1M");
      String used = link(proxy, manager, "BankBMSP", "P1D");

      browser.type("input[name=token]", manager.operatorToken());
      browser.click("#sign-in button[type=submit]").find("#ledgers");
      browser.open("/#create").type("input[name=name]", "Not A Name!");
      browser.type("input[name='parties[0].organization']", "Bank A");
      browser.type("input[name='parties[0].mspId']", "BankAMSP");
      browser.type("input[name='parties[1].organization']", "Bank D");
      browser.type("input[name='parties[1].mspId']", "BankDMSP");
      browser.click("#create-ledger button[type=submit]");
      assertThat(browser.awaitText("[data-field=name] .field-error", "lower-case", SLOW))
          .contains("starting with a letter");
      browser.type("input[name=name]", "fine");
      browser.type("input[name='overrides.lifespan']", "forever");
      browser.click("#create-ledger button[type=submit]");
      browser.awaitText("[data-field='overrides.lifespan'] .field-error", "ISO-8601", SLOW);
      assertThat(browser.all("[data-field=name] .field-error").get(0).getText()).isEmpty();
      browser.screenshot("13-field-errors");
      assertThat(manager.get("/ledgers").body()).doesNotContain("\"fine\"");

      String cancelled =
          new JsonObject(
                  manager
                      .post(
                          "/ledgers/evil/invites",
                          new JsonObject().put("mspId", "BankBMSP").encode())
                      .body())
              .getString("id");
      browser.open("/#ledger/evil").awaitText("h1", "Ledger evil", SLOW);
      browser.click("button[data-cancel='" + cancelled + "']");
      browser.awaitText("tr[data-invite='" + cancelled + "']", "CANCELLED", SLOW);
      assertThat(manager.get("/ledgers/evil/invites").body()).contains("\"CANCELLED\"");
      assertThat(browser.text("#main")).contains(EVIL);
      assertNothingRan(browser);
      browser.screenshot("11-markup-as-text");

      browser.as("invited").open(expired);
      assertThat(browser.awaitText("#invite-organization", "EvilMSP", SLOW)).contains(EVIL);
      assertNothingRan(browser);

      browser.as("bank-b").open(used).click("#join").await("#joined", SLOW);
      int certificates = certificates(manager);
      browser.as("someone-else").open(used);
      assertThat(browser.awaitText("#main", "used already", SLOW)).contains("Nothing was changed");
      assertThat(browser.all("#join")).isEmpty();
      browser.screenshot("12-used-invite");

      Thread.sleep(Math.max(0, Duration.between(Instant.now(), expiring).toMillis() + 1_000));
      browser.as("late").open(expired);
      assertThat(browser.awaitText("#main", "expired", SLOW)).contains("INVITE_EXPIRED");
      assertThat(browser.all("#join")).isEmpty();
      assertThat(certificates(manager)).isEqualTo(certificates);
      assertThat(manager.get("/ledgers/evil/invites").body())
          .contains("\"EXPIRED\"")
          .contains("\"REDEEMED\"");
    }
  }

  private static String link(
      RecordingProxy proxy, ManagerFixture manager, String mspId, String for_) throws Exception {
    String token =
        new JsonObject(
                manager
                    .post(
                        "/ledgers/evil/invites",
                        new JsonObject().put("mspId", mspId).put("validFor", for_).encode())
                    .body())
            .getString("token");
    return proxy.origin() + "/join.html#ledger=evil&invite=" + token;
  }

  private static int certificates(ManagerFixture manager) throws Exception {
    return new JsonObject(manager.get("/ledgers/evil/certificates").body())
        .getJsonArray("certificates")
        .size();
  }

  private static void assertNothingRan(Browser browser) {
    assertThat(browser.all("main img")).isEmpty();
    assertThat(browser.all("main script")).isEmpty();
    assertThat(browser.script("return window.pwned === undefined")).isEqualTo(true);
  }
}
