package io.patchwork.manager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.ca.Pem;
import io.patchwork.manager.ManagerFixture;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code patchwork} command line against a running manager: the operator creates a ledger and
 * invites two banks; each joins with keys made on its side; one proposes and both vote with their
 * admin MSP folders, signing locally; the proposal is carried out.
 */
@Tag("cluster")
class ClientCommandTest {
  @TempDir Path directory;

  private record Run(int exit, String out, String err) {}

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = ClientCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void an_operator_and_two_members_run_a_ledger_and_a_vote_from_the_shell() throws Exception {
    try (ManagerFixture manager = ManagerFixture.start(directory.resolve("manager"))) {
      String url = manager.manager().url();
      String operator = manager.manager().operatorTokenFile().toString();

      Run created =
          run(
              "create-ledger",
              "club",
              "--url",
              url,
              "--token-file",
              operator,
              "--template",
              "payments-netting",
              "--party",
              "Bank 0:Bank0MSP",
              "--party",
              "Bank 1:Bank1MSP",
              "--party",
              "Bank 2:Bank2MSP",
              "--set",
              "topology.orderers=1");
      assertThat(created.exit()).as(created.err()).isZero();
      assertThat(created.out()).contains("ledger club is PROVISIONING");
      manager.awaitStatus("club", "ACTIVE", Duration.ofSeconds(60));
      Run shown = run("ledger", "club", "--url", url, "--token-file", operator);
      assertThat(shown.out()).contains("club: ACTIVE").contains("orderer0").contains("peer2");
      // Read commands print the API's answer for scripts with --output json.
      Run asJson = run("ledgers", "--url", url, "--token-file", operator, "--output", "json");
      assertThat(
              new JsonObject(asJson.out()).getJsonArray("ledgers").getJsonObject(0).getString("id"))
          .isEqualTo("club");
      Run templates = run("templates", "--url", url);
      assertThat(templates.exit()).as(templates.err()).isZero();
      assertThat(templates.out()).contains("payments-netting").contains("2-100 parties");
      assertThat(run("templates", "healthcare-records", "--url", url).out())
          .contains("\"overridable\"");
      Run early = run("statement", "club", "--url", url, "--token-file", operator);
      assertThat(early.exit()).isEqualTo(3);
      assertThat(early.err()).contains("NO_STATEMENT");
      Path archive = directory.resolve("club.archive");
      Run noArchive =
          run(
              "archive",
              "club",
              "--out",
              archive.toString(),
              "--url",
              url,
              "--token-file",
              operator);
      assertThat(noArchive.exit()).isEqualTo(3);
      assertThat(noArchive.err()).contains("NO_ARCHIVE");
      assertThat(archive).doesNotExist();
      Run anotherPeer =
          run("host-peer", "club", "--msp-id", "Bank0MSP", "--url", url, "--token-file", operator);
      assertThat(anotherPeer.exit()).isEqualTo(3);
      assertThat(anotherPeer.err()).contains("PEER_EXISTS");

      List<Path> members = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Run invited =
            run("invite", "club", "Bank" + i + "MSP", "--url", url, "--token-file", operator);
        assertThat(invited.exit()).as(invited.err()).isZero();
        Matcher token = Pattern.compile("pwi_[A-Za-z0-9_-]{43}").matcher(invited.out());
        assertThat(token.find()).isTrue();
        Path out = directory.resolve("bank" + i);
        Run joined =
            run(
                "join",
                "club",
                "--url",
                url,
                "--invite",
                token.group(),
                "--organization",
                "Bank " + i,
                "--msp-id",
                "Bank" + i + "MSP",
                "--out",
                out.toString());
        assertThat(joined.exit()).as(joined.err()).isZero();
        assertThat(out.resolve("admin/msp/keystore/priv_sk")).exists();
        assertThat(out.resolve("client/tls/key.pem")).exists();
        assertThat(Files.getPosixFilePermissions(out.resolve("api-token")))
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(out.resolve("connection-profile.json")))
            .contains("Bank" + i + "MSP");
        // The same invite again is refused, with the code and an exit status saying so.
        Run replayed =
            run(
                "join",
                "club",
                "--url",
                url,
                "--invite",
                token.group(),
                "--organization",
                "Bank " + i,
                "--msp-id",
                "Bank" + i + "MSP",
                "--out",
                directory.resolve("again" + i).toString());
        assertThat(replayed.exit()).isEqualTo(3);
        assertThat(replayed.err()).contains("INVITE_ALREADY_REDEEMED");
        members.add(out);
      }

      Run proposed =
          run(
              "propose",
              "club",
              "--add-member",
              "Bank 7:Bank7MSP",
              "--admin-msp",
              members.get(0).resolve("admin/msp").toString(),
              "--url",
              url,
              "--token-file",
              members.get(0).resolve("api-token").toString());
      assertThat(proposed.exit()).as(proposed.err()).isZero();
      Matcher id = Pattern.compile("proposal (\\S+) recorded: IN_PROGRESS").matcher(proposed.out());
      assertThat(id.find()).as(proposed.out()).isTrue();

      // Bank 1 cannot sign with Bank 0's folder: the API refuses, exit status 4.
      Run foreign =
          run(
              "vote",
              "club",
              id.group(1),
              "yes",
              "--admin-msp",
              members.get(0).resolve("admin/msp").toString(),
              "--url",
              url,
              "--token-file",
              members.get(1).resolve("api-token").toString());
      assertThat(foreign.exit()).isEqualTo(4);
      assertThat(foreign.err()).contains("FORBIDDEN");

      Run last = null;
      for (Path member : members) {
        last =
            run(
                "vote",
                "club",
                id.group(1),
                "yes",
                "--admin-msp",
                member.resolve("admin/msp").toString(),
                "--url",
                url,
                "--token-file",
                member.resolve("api-token").toString());
        assertThat(last.exit()).as(last.err()).isZero();
      }
      assertThat(last.out()).contains(": CLOSED");
      Run listed =
          run(
              "proposals",
              "club",
              "--url",
              url,
              "--token-file",
              members.get(1).resolve("api-token").toString());
      assertThat(listed.out()).contains(id.group(1)).contains("CLOSED").contains("ADD_MEMBER");
      Run unauthenticated =
          run("ledgers", "--url", url, "--token-file", directory.resolve("none").toString());
      assertThat(unauthenticated.exit()).isNotZero();

      // A member renews its own certificates: the admin's for the same key, the client's TLS one
      // for a new key made here; the folders hold the renewals, the inventory shows the old ones
      // renewed.
      Path bank0 = members.get(0);
      String token0 = bank0.resolve("api-token").toString();
      String before = Files.readString(bank0.resolve("admin/msp/signcerts/cert.pem"));
      String keyBefore = Files.readString(bank0.resolve("client/tls/key.pem"));
      String tlsBefore =
          Pem.readCertificates(Files.readString(bank0.resolve("client/tls/cert.pem")))
              .get(0)
              .getSerialNumber()
              .toString(16);
      Run renewed =
          run(
              "renew",
              "club",
              "--msp",
              bank0.resolve("admin/msp").toString(),
              "--url",
              url,
              "--token-file",
              token0);
      assertThat(renewed.exit()).as(renewed.err()).isZero();
      assertThat(renewed.out()).contains("renewed ").contains("valid until");
      assertThat(Files.readString(bank0.resolve("admin/msp/signcerts/cert.pem")))
          .isNotEqualTo(before);
      Run rekeyed =
          run(
              "renew",
              "club",
              "--tls",
              bank0.resolve("client/tls").toString(),
              "--new-key",
              "--url",
              url,
              "--token-file",
              token0);
      assertThat(rekeyed.exit()).as(rekeyed.err()).isZero();
      assertThat(Files.readString(bank0.resolve("client/tls/key.pem"))).isNotEqualTo(keyBefore);
      Run inventory = run("certificates", "club", "--url", url, "--token-file", token0);
      assertThat(inventory.exit()).as(inventory.err()).isZero();
      assertThat(inventory.out())
          .contains("ROOT")
          .contains("RENEWED by ")
          .doesNotContain("Bank1MSP");
      // The renewed admin certificate signs: Bank 0 proposes again with it.
      Run again =
          run(
              "propose",
              "club",
              "--add-member",
              "Bank 8:Bank8MSP",
              "--admin-msp",
              bank0.resolve("admin/msp").toString(),
              "--url",
              url,
              "--token-file",
              token0);
      assertThat(again.exit()).as(again.err()).isZero();
      // Another organisation's certificate is not Bank 1's to renew; a serial it does not know is
      // not found.
      Run foreignRenewal =
          run(
              "renew",
              "club",
              "--msp",
              bank0.resolve("admin/msp").toString(),
              "--url",
              url,
              "--token-file",
              members.get(1).resolve("api-token").toString());
      assertThat(foreignRenewal.exit()).isEqualTo(4);
      assertThat(foreignRenewal.err()).contains("FORBIDDEN");

      // Policies change without hand-built protobufs: signed here, for the next version.
      Run policy =
          run(
              "propose",
              "club",
              "--change-policy",
              "--threshold",
              "66",
              "--quorum",
              "50",
              "--voting-duration",
              "PT2H",
              "--max-transactions",
              "300",
              "--commit-status",
              "ENDORSING_ORGANIZATIONS",
              "--admin-msp",
              bank0.resolve("admin/msp").toString(),
              "--url",
              url,
              "--token-file",
              token0);
      assertThat(policy.exit()).as(policy.err()).isZero();
      assertThat(policy.out()).contains("recorded: IN_PROGRESS");
      Run unnamed = run("propose", "club", "--change-policy", "--url", url, "--token-file", token0);
      assertThat(unnamed.exit()).isEqualTo(2);
      assertThat(unnamed.err()).contains("--change-policy needs");

      // The replaced TLS certificate's old key is to be retired: Bank 0 proposes revoking it,
      // signed here, with the authority's CRL the API hands out.
      Run revoking =
          run(
              "propose",
              "club",
              "--revoke",
              tlsBefore,
              "--reason",
              "SUPERSEDED",
              "--admin-msp",
              bank0.resolve("admin/msp").toString(),
              "--url",
              url,
              "--token-file",
              token0);
      assertThat(revoking.exit()).as(revoking.err()).isZero();
      assertThat(revoking.out()).contains("recorded: IN_PROGRESS");

      // Its new client TLS certificate is lost too: Bank 0 revokes it at once, without a vote,
      // signed here; the open proposals lapse with the config change, and it is revoked once.
      String[] revoke = {
        "revoke",
        "club",
        "--tls",
        bank0.resolve("client/tls").toString(),
        "--admin-msp",
        bank0.resolve("admin/msp").toString(),
        "--url",
        url,
        "--token-file",
        token0
      };
      Run ownRevocation = run(revoke);
      assertThat(ownRevocation.exit()).as(ownRevocation.err()).isZero();
      assertThat(ownRevocation.out())
          .contains("every node refuses it from block")
          .contains("open proposals lapsed");
      Run revokedTwice = run(revoke);
      assertThat(revokedTwice.exit()).isNotZero();
      assertThat(revokedTwice.err()).contains("ALREADY_REVOKED");

      // Invites are listed and cancelled from the shell; tokens are never shown again.
      Run second = run("invite", "club", "Bank2MSP", "--url", url, "--token-file", operator);
      Matcher inviteId = Pattern.compile("invite (\\S+) for").matcher(second.out());
      assertThat(inviteId.find()).as(second.out()).isTrue();
      Run invites = run("invites", "club", "--url", url, "--token-file", operator);
      assertThat(invites.out()).contains(inviteId.group(1)).contains("OPEN").doesNotContain("pwi_");
      Run cancelled =
          run("cancel-invite", "club", inviteId.group(1), "--url", url, "--token-file", operator);
      assertThat(cancelled.exit()).as(cancelled.err()).isZero();
      assertThat(cancelled.out()).contains("CANCELLED");
      Run twice =
          run("cancel-invite", "club", inviteId.group(1), "--url", url, "--token-file", operator);
      assertThat(twice.exit()).isEqualTo(3);
      assertThat(twice.err()).contains("INVITE_CANCELLED");
    }
  }
}
