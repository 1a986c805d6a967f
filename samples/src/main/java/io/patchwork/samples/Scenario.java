package io.patchwork.samples;

import io.grpc.Status;
import io.patchwork.ca.Passphrase;
import io.patchwork.manager.Manager;
import io.patchwork.manager.cli.ClientCommand;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hyperledger.fabric.client.CommitException;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.EndorseException;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/**
 * What the samples share: a manager's URL and operator token, and the steps members and the
 * operator take through the {@code patchwork} command line and the REST API.
 */
abstract class Scenario {
  final PrintStream out;
  final Path work;
  final String url;
  final Path operatorToken;
  final HttpClient http = HttpClient.newHttpClient();

  Scenario(PrintStream out, Path work, String url, Path operatorToken) {
    this.out = out;
    this.work = work;
    this.url = url;
    this.operatorToken = operatorToken;
  }

  /** A manager embedded on a new temporary data directory, for a sample's {@code main}. */
  static Manager embeddedManager(Path work) throws Exception {
    return Manager.start(
        new Manager.Settings(
            work.resolve("manager"),
            "127.0.0.1",
            0,
            Optional.empty(),
            Passphrase.of("patchwork samples passphrase".toCharArray())));
  }

  /** Runs {@code patchwork <args>} as the holder of {@code tokenFile}; its output, or it throws. */
  String patchwork(Path tokenFile, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", url));
    if (tokenFile != null) {
      all.addAll(List.of("--token-file", tokenFile.toString()));
    }
    return offline(all.toArray(String[]::new));
  }

  /** Runs a {@code patchwork} command that does not talk to the manager. */
  String offline(String... args) {
    List<String> all = List.of(args);
    StringWriter output = new StringWriter();
    StringWriter errors = new StringWriter();
    int exit =
        ClientCommand.execute(
            new PrintWriter(output, true),
            new PrintWriter(errors, true),
            all.toArray(String[]::new));
    if (exit != 0) {
      throw new IllegalStateException("patchwork " + args[0] + " failed: " + errors);
    }
    return output.toString();
  }

  /** The operator invites the organisation; it joins with keys made on its side. */
  Path join(String ledger, String organization, String mspId) {
    String invited = patchwork(operatorToken, "invite", ledger, mspId);
    Matcher token = Pattern.compile("pwi_[A-Za-z0-9_-]{43}").matcher(invited);
    if (!token.find()) {
      throw new IllegalStateException("no invite token in: " + invited);
    }
    Path joined = work.resolve("members").resolve(mspId);
    patchwork(
        null,
        "join",
        ledger,
        "--invite",
        token.group(),
        "--organization",
        organization,
        "--msp-id",
        mspId,
        "--out",
        joined.toString());
    return joined;
  }

  /**
   * The first member proposes {@code action}; members vote yes, each signing with its own admin MSP
   * folder, until the proposal is carried out.
   */
  void vote(String ledger, List<Path> members, String... action) {
    List<String> propose = new ArrayList<>(List.of("propose", ledger));
    propose.addAll(List.of(action));
    propose.addAll(List.of("--admin-msp", members.get(0).resolve("admin/msp").toString()));
    String proposed =
        patchwork(members.get(0).resolve("api-token"), propose.toArray(String[]::new));
    Matcher id = Pattern.compile("proposal (\\S+) recorded").matcher(proposed);
    if (!id.find()) {
      throw new IllegalStateException("no proposal id in: " + proposed);
    }
    for (Path member : members) {
      String voted =
          patchwork(
              member.resolve("api-token"),
              "vote",
              ledger,
              id.group(1),
              "yes",
              "--admin-msp",
              member.resolve("admin/msp").toString());
      if (voted.contains(": CLOSED")) {
        return;
      }
    }
    throw new IllegalStateException("the vote on " + id.group(1) + " did not carry");
  }

  /** Waits (up to 2 minutes) for the ledger to reach {@code status}. */
  void awaitStatus(String ledger, String status) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (status.equals(get("/ledgers/" + ledger).getString("status"))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("ledger '" + ledger + "' did not become " + status);
  }

  /** A GET as the operator. */
  JsonObject get(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url + path))
                .header("authorization", "Bearer " + operatorToken())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new JsonObject(response.body());
  }

  String operatorToken() throws Exception {
    return Files.readString(operatorToken, StandardCharsets.US_ASCII).strip();
  }

  /**
   * Submits, as applications do, again when the ledger asks for it: endorsers that saw different
   * state at that instant (ABORTED), or a read that changed before commit (MVCC conflict).
   */
  static void submit(Contract contract, String function, String... args) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        contract.submitTransaction(function, args);
        return;
      } catch (EndorseException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || attempt == 5) {
          throw e;
        }
      } catch (CommitException e) {
        if (e.getCode() != TxValidationCode.MVCC_READ_CONFLICT || attempt == 5) {
          throw e;
        }
      }
      Thread.sleep(20L * attempt);
    }
  }
}
