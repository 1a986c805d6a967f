package io.patchwork.manager.console;

import static io.patchwork.manager.ManagerFixture.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.manager.ManagerFixture;
import io.patchwork.manager.MemberKit;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The routes the console adds to the API, called as any client would: the live ledger stream shows
 * each caller what it may see; an invite's preview is refused as its redemption would be and
 * changes nothing; a proposal draft is refused up front when the ledger would refuse it and records
 * nothing; the pages come with their security headers.
 */
@Tag("cluster")
class ConsoleRoutesTest {
  @TempDir static Path directory;

  private static ManagerFixture manager;
  private static MemberKit bankA;
  private static String openInvite;
  private static String usedInvite;

  @BeforeAll
  static void a_ledger_with_one_member_joined() throws Exception {
    manager = ManagerFixture.start(directory.resolve("manager"));
    JsonArray parties =
        new JsonArray()
            .add(new JsonObject().put("organization", "Bank A").put("mspId", "BankAMSP"))
            .add(new JsonObject().put("organization", "Bank B").put("mspId", "BankBMSP"));
    for (String name : new String[] {"trade", "other"}) {
      manager.createNetting(name, parties);
    }
    manager.awaitStatus("trade", "ACTIVE", Duration.ofSeconds(90));
    manager.awaitStatus("other", "ACTIVE", Duration.ofSeconds(90));
    bankA = new MemberKit("Bank A", "BankAMSP");
    usedInvite = invite("BankAMSP");
    HttpResponse<String> redeemed =
        manager.send(
            "POST",
            "/ledgers/trade/invites/redeem",
            bankA.redeemRequest(usedInvite),
            Optional.empty());
    assertThat(redeemed.statusCode()).as(redeemed.body()).isEqualTo(200);
    bankA.redeemed(new JsonObject(redeemed.body()));
    openInvite = invite("BankBMSP");
  }

  @AfterAll
  static void stop() {
    bankA.close();
    manager.close();
  }

  private static String invite(String mspId) throws Exception {
    return new JsonObject(
            manager
                .post("/ledgers/trade/invites", new JsonObject().put("mspId", mspId).encode())
                .body())
        .getString("token");
  }

  @Test
  void the_live_stream_shows_the_operator_every_ledger_and_a_member_only_its_own()
      throws Exception {
    JsonArray operator = firstEvent(Optional.of(manager.operatorToken()));
    JsonArray member = firstEvent(Optional.of(bankA.apiToken()));

    assertThat(operator.stream().map(l -> ((JsonObject) l).getString("id")))
        .containsExactlyInAnyOrder("trade", "other");
    assertThat(member).hasSize(1);
    JsonObject trade = member.getJsonObject(0);
    assertThat(trade.getString("id")).isEqualTo("trade");
    assertThat(trade.getString("status")).isEqualTo("ACTIVE");
    assertThat(trade.getInteger("orderers")).isEqualTo(1);
    assertThat(trade.getInteger("peers")).isEqualTo(2);
    assertThat(trade.getInteger("members")).isEqualTo(2);
    assertThat(trade.getLong("height")).isPositive();
    assertThat(trade.getString("leader")).isNotBlank();
    assertThat(trade.containsKey("peerLag")).isTrue();
    assertThat(trade.containsKey("txPerSecond")).isTrue();
    assertError(
        manager.send("GET", "/events/ledgers", null, Optional.empty()), 401, "UNAUTHENTICATED");
  }

  @Test
  void a_preview_shows_the_open_invite_and_its_ledger_and_leaves_it_open() throws Exception {
    HttpResponse<String> shown = preview("trade", openInvite);

    assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
    JsonObject body = new JsonObject(shown.body());
    assertThat(body.getJsonObject("invite").getString("mspId")).isEqualTo("BankBMSP");
    assertThat(body.getJsonObject("invite").getString("status")).isEqualTo("OPEN");
    assertThat(body.getJsonObject("ledger").getJsonArray("members")).hasSize(2);
    assertThat(body.getJsonObject("ledger").getJsonObject("voting").getInteger("thresholdPercent"))
        .isEqualTo(50);
    assertThat(preview("trade", openInvite).statusCode()).isEqualTo(200);
    assertThat(manager.get("/ledgers/trade/invites").body()).contains("\"OPEN\"");
  }

  @Test
  void a_preview_is_refused_as_its_redemption_would_be() throws Exception {
    assertError(preview("trade", usedInvite), 409, "INVITE_ALREADY_REDEEMED");
    assertError(preview("trade", "pwi_" + "A".repeat(43)), 404, "INVITE_NOT_FOUND");
    assertError(preview("trade", "not a token"), 404, "INVITE_NOT_FOUND");
    assertError(preview("other", openInvite), 403, "INVITE_WRONG_LEDGER");
    assertError(preview("nowhere", openInvite), 404, "LEDGER_NOT_FOUND");
    assertError(
        manager.send("POST", "/ledgers/trade/invites/preview", "{}", Optional.empty()),
        400,
        "MALFORMED_REQUEST");
  }

  @Test
  void a_draft_is_the_unsigned_proposal_and_records_nothing() throws Exception {
    HttpResponse<String> drafted =
        draft(
            new JsonObject()
                .put("kind", "ADD_MEMBER")
                .put("organization", "Bank C")
                .put("mspId", "BankCMSP"));

    assertThat(drafted.statusCode()).as(drafted.body()).isEqualTo(200);
    JsonObject draft = new JsonObject(drafted.body());
    byte[] bytes = Base64.getDecoder().decode(draft.getString("proposal"));
    assertThat(draft.getString("sha256"))
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    assertThat(draft.getJsonObject("action").getString("mspId")).isEqualTo("BankCMSP");
    assertThat(draft.getString("proposer")).isEqualTo("BankAMSP");
    assertThat(proposals()).isEmpty();
  }

  @Test
  void a_draft_the_ledger_would_refuse_is_refused_up_front() throws Exception {
    assertError(
        draft(
            new JsonObject()
                .put("kind", "ADD_MEMBER")
                .put("organization", "Bank B")
                .put("mspId", "BankBMSP")),
        422,
        "PROPOSAL_REFUSED");
    assertError(
        draft(new JsonObject().put("kind", "REMOVE_MEMBER").put("mspId", "NobodyMSP")),
        400,
        "NOT_A_MEMBER");
    assertError(draft(new JsonObject().put("kind", "ADD_MEMBER")), 400, "MALFORMED_REQUEST");
    assertError(
        manager.post(
            "/ledgers/trade/proposal-drafts",
            new JsonObject().put("action", new JsonObject().put("kind", "CLOSE_LEDGER")).encode()),
        403,
        "FORBIDDEN");
    assertThat(proposals()).isEmpty();
  }

  @Test
  void a_running_ledger_has_no_archive_to_verify() throws Exception {
    assertError(manager.get("/ledgers/trade/archive/verification"), 404, "NO_ARCHIVE");
  }

  @Test
  void every_page_comes_with_a_strict_content_security_policy() throws Exception {
    for (String page : new String[] {"/", "/join.html", "/member.html", "/assets/join.js"}) {
      HttpResponse<String> response = manager.send("GET", page, null, Optional.empty());
      assertThat(response.statusCode()).as(page).isEqualTo(200);
      assertThat(response.headers().firstValue("content-security-policy").orElseThrow())
          .as(page)
          .contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'")
          .doesNotContain("unsafe-inline", "unsafe-eval");
      assertThat(response.headers().firstValue("x-content-type-options")).contains("nosniff");
      assertThat(response.headers().firstValue("referrer-policy")).contains("no-referrer");
    }
    assertThat(manager.send("GET", "/index.html", null, Optional.empty()).body())
        .doesNotContain("<script>")
        .contains("<script type=\"module\" src=\"/assets/operator.js\">");
    assertError(
        manager.send("GET", "/assets/nothing.js", null, Optional.empty()), 404, "NOT_FOUND");
    assertThat(manager.send("HEAD", "/", null, Optional.empty()).statusCode()).isEqualTo(200);
  }

  private static HttpResponse<String> preview(String ledger, String token) throws Exception {
    return manager.send(
        "POST",
        "/ledgers/" + ledger + "/invites/preview",
        new JsonObject().put("token", token).encode(),
        Optional.empty());
  }

  private static HttpResponse<String> draft(JsonObject action) throws Exception {
    return manager.send(
        "POST",
        "/ledgers/trade/proposal-drafts",
        new JsonObject().put("action", action).encode(),
        Optional.of(bankA.apiToken()));
  }

  private static JsonArray proposals() throws Exception {
    return new JsonObject(manager.get("/ledgers/trade/proposals").body()).getJsonArray("proposals");
  }

  /** The ledgers of the stream's first event, as {@code token}'s holder sees them. */
  private static JsonArray firstEvent(Optional<String> token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(manager.manager().url() + "/events/ledgers"))
            .timeout(Duration.ofSeconds(20));
    token.ifPresent(t -> request.header("authorization", "Bearer " + t));
    HttpResponse<InputStream> response =
        HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElseThrow())
        .startsWith("text/event-stream");
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        if (line.startsWith("data: ")) {
          return new JsonObject(line.substring(6)).getJsonArray("ledgers");
        }
      }
    }
    throw new AssertionError("the stream ended before its first event");
  }
}
