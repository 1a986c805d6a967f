package io.patchwork.manager.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.manager.ManagerFixture;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hyperledger.fabric.client.Contract;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console end to end in a real browser: the operator creates a ledger and invites its parties;
 * each member joins in the browser (keys made there, only CSRs sent), saves its credentials and
 * uses them with the Fabric Gateway client; the members vote a third party in, which joins and runs
 * its node with one button; they vote to close; the operator settles, sees the statement as a chart
 * and checks the archive. Every request the browser sent is kept and checked: no private key ever
 * left it, and no invite token was ever in a URL.
 */
@Tag("cluster")
class ConsoleJourneyTest {
  private static final Duration SLOW = Duration.ofSeconds(90);

  @TempDir Path directory;

  @Test
  void members_join_vote_and_close_a_ledger_from_the_browser_and_no_key_leaves_it()
      throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory.resolve("manager"));
        RecordingProxy proxy = RecordingProxy.start(URI.create(manager.manager().url()).getPort());
        Browser browser =
            Browser.open(proxy.origin(), Files.createDirectories(directory.resolve("downloads")))) {
      browser.as("operator").open("/");
      browser.type("input[name=token]", manager.operatorToken());
      browser.click("#sign-in button[type=submit]").find("#ledgers");

      browser.open("/#create");
      browser.type("input[name=name]", "trade").select("select[name=template]", "payments-netting");
      browser.type("input[name='parties[0].organization']", "Bank A");
      browser.type("input[name='parties[0].mspId']", "BankAMSP");
      browser.type("input[name='parties[1].organization']", "Bank B");
      browser.type("input[name='parties[1].mspId']", "BankBMSP");
      browser.type("input[name='overrides.topology.orderers']", "1");
      assertThat(browser.unlabelledControls()).isEmpty();
      browser.screenshot("01-create-ledger");
      browser.click("#create-ledger button[type=submit]").awaitText("h1", "Ledger trade", SLOW);
      manager.awaitStatus("trade", "ACTIVE", SLOW);

      browser.open("/#ledgers").awaitText("tr[data-ledger=trade]", "ACTIVE", SLOW);
      String linkA = invite(browser, "BankAMSP");
      browser.screenshot("03-invite");
      String linkB = invite(browser, "BankBMSP");
      assertThat(linkA).contains("/join.html#ledger=trade&invite=pwi_");

      Path zipA = join(browser, "bank-a", linkA, "Bank A", "BankAMSP");
      browser.screenshot("04-joined");
      browser.await("#sync-words[data-state=in-sync]", SLOW);
      Path zipB = join(browser, "bank-b", linkB, "Bank B", "BankBMSP");
      browser.await("#sync-words[data-state=in-sync]", SLOW);

      propose(browser, "bank-a", "ADD_MEMBER", "Add member Bank C (BankCMSP)");
      browser.screenshot("05-sign-proposal");
      assertThat(browser.unlabelledControls()).isEmpty();
      browser.click("#sign-proposal").awaitText("#signing", "recorded on the ledger", SLOW);
      // The admin key kept in the browser signs, but cannot be read back out of it.
      assertThat(
              browser.asyncScript(
                  "const done = arguments[arguments.length - 1];"
                      + "const open = indexedDB.open('patchwork-console', 1);"
                      + "open.onsuccess = () => {"
                      + "  const get = open.result.transaction('admin-keys')"
                      + "      .objectStore('admin-keys').get('trade/BankAMSP');"
                      + "  get.onsuccess = () => crypto.subtle.exportKey('pkcs8', get.result)"
                      + "      .then(() => done('exported'),"
                      + "            () => done([get.result.extractable, get.result.type,"
                      + "                        get.result.algorithm.namedCurve].join(' ')));"
                      + "};"))
          .isEqualTo("false private P-256");
      vote(browser, "bank-a", "Add member Bank C");
      browser.screenshot("06-member-admin");
      vote(browser, "bank-b", "Add member Bank C");
      assertThat(manager.get("/ledgers/trade").body()).contains("BankCMSP");

      String linkC = invite(browser, "BankCMSP");
      Path zipC = join(browser, "bank-c", linkC, "Bank C", "BankCMSP");
      browser.click("#run-node").await("#sync", SLOW);
      browser.await("#sync-words[data-state=in-sync]", SLOW);
      browser.screenshot("07-run-my-node");

      // The dashboard follows the ledger as it grows, without a reload.
      browser.as("operator").open("/#ledgers").awaitText("tr[data-ledger=trade]", "ACTIVE", SLOW);
      long before = height(browser);
      try (DownloadedCredentials a = DownloadedCredentials.read(zipA);
          DownloadedCredentials b = DownloadedCredentials.read(zipB);
          DownloadedCredentials c = DownloadedCredentials.read(zipC)) {
        obligation(a, b, "o-1", "BankAMSP", "BankBMSP", "100");
        obligation(c, a, "o-2", "BankCMSP", "BankAMSP", "40");
      }
      long end = System.nanoTime() + SLOW.toNanos();
      while (height(browser) <= before && System.nanoTime() < end) {
        Thread.sleep(200);
      }
      assertThat(height(browser)).isGreaterThan(before);
      browser.screenshot("02-dashboard");

      propose(browser, "bank-a", "CLOSE_LEDGER", "Close the ledger and settle");
      browser.click("#sign-proposal").awaitText("#signing", "recorded on the ledger", SLOW);
      vote(browser, "bank-a", "Close the ledger");
      // Bank C signs on another machine's browser, with the admin key loaded from its zip.
      browser.as("bank-c-laptop").open("/member.html");
      browser.find("input[name=credentials]").sendKeys(zipC.toAbsolutePath().toString());
      browser.click("#load-credentials button[type=submit]").find("#proposals table");
      vote(browser, "bank-c-laptop", "Close the ledger");
      manager.awaitStatus("trade", "CLOSING", SLOW);

      browser.as("operator").open("/#ledger/trade");
      browser.click("#settle").awaitText("#ledger-status", "ARCHIVED", Duration.ofMinutes(3));
      String statement = browser.text("#statement");
      assertThat(statement).contains("netting ratio").contains("BankBMSP").contains("100");
      assertThat(browser.all("#statement svg.chart rect")).hasSize(3);
      browser.screenshot("08-statement");
      browser.click("#download-archive").awaitText("#archive-verdict", "Verified offline", SLOW);
      assertThat(browser.text("#archive-result")).contains("is the file checked");
      assertThat(browser.download("trade.archive", SLOW)).isRegularFile();
      browser.screenshot("09-archive");

      assertNothingSecretLeft(proxy.sent(), List.of(zipA, zipB, zipC));
    }
  }

  /** The operator invites an organisation from the ledger's page; answers the link shown once. */
  private static String invite(Browser browser, String mspId) {
    browser.as("operator").open("/#ledger/trade").refresh();
    browser.find("#invite");
    browser.select("#invite select[name=mspId]", mspId);
    browser.click("#invite button[type=submit]");
    return browser.find("#invite-link").getAttribute("value");
  }

  /** The member opens its invite link, joins in the browser and saves its credentials. */
  private static Path join(
      Browser browser, String actor, String link, String organization, String mspId)
      throws Exception {
    browser.as(actor).open(link);
    browser.awaitText("#invite-organization", organization + " (" + mspId + ")", SLOW);
    if (actor.equals("bank-a")) {
      browser.screenshot("03-join");
    }
    assertThat(browser.unlabelledControls()).isEmpty();
    browser.click("#join").await("#joined", SLOW);
    browser.click("#download-credentials");
    return browser.download(mspId.toLowerCase() + "-trade.zip", SLOW);
  }

  private static void propose(Browser browser, String actor, String kind, String words) {
    browser.as(actor).open("/member.html").find("#propose");
    browser.select("select[name='action.kind']", kind);
    if (kind.equals("ADD_MEMBER")) {
      browser.type("input[name='action.organization']", "Bank C");
      browser.type("input[name='action.mspId']", "BankCMSP");
    }
    browser.click("#propose button[type=submit]").awaitText("#sign-words", words, SLOW);
    assertThat(browser.text("#sign-hash")).matches("[0-9a-f]{64}");
  }

  private static void vote(Browser browser, String actor, String words) {
    browser.as(actor).open("/member.html").find("#proposals table");
    // Newest first: the proposal just made.
    browser.click("#proposals tbody tr:first-child button[data-vote=YES]");
    browser.awaitText("#sign-words", "votes YES on: " + words, SLOW);
    browser.click("#sign-ballot").awaitText("#signing", "ballot is recorded", SLOW);
  }

  private static long height(Browser browser) {
    String text = browser.text("tr[data-ledger=trade] td[data-height]").trim();
    return text.isEmpty() ? 0 : Long.parseLong(text);
  }

  private static void obligation(
      DownloadedCredentials debtor,
      DownloadedCredentials creditor,
      String id,
      String from,
      String to,
      String amount)
      throws Exception {
    Contract recording = debtor.gateway().getNetwork("trade").getContract("obligations");
    recording.submitTransaction("record", id, from, to, "EUR", amount);
    Contract accepting = creditor.gateway().getNetwork("trade").getContract("obligations");
    accepting.submitTransaction("accept", id);
  }

  private static void assertNothingSecretLeft(List<RecordingProxy.Sent> sent, List<Path> zips)
      throws Exception {
    List<String> secrets = new ArrayList<>();
    for (Path zip : zips) {
      for (PrivateKey key : DownloadedCredentials.read(zip).privateKeys()) {
        secrets.addAll(DownloadedCredentials.spellings(key));
      }
    }
    assertThat(secrets).hasSize(36);
    List<RecordingProxy.Sent> redemptions =
        sent.stream().filter(s -> s.uri().endsWith("/invites/redeem")).toList();
    assertThat(redemptions).hasSize(3);
    assertThat(redemptions).allSatisfy(r -> assertThat(r.body()).contains("CERTIFICATE REQUEST"));
    for (RecordingProxy.Sent request : sent) {
      assertThat(request.body()).as(request.uri()).doesNotContain("PRIVATE KEY");
      for (String secret : secrets) {
        assertThat(request.body())
            .as(request.method() + " " + request.uri())
            .doesNotContain(secret);
      }
      assertThat(request.uri()).doesNotContain("pwi_");
    }
    assertThat(new JsonObject(redemptions.get(0).body()).getJsonArray("csrs")).hasSize(3);
  }
}
